namespace FarmGateway.Uplinks.ApiGateway;

/// <summary>The region named in an API Gateway URL (<c>https://{id}.execute-api.{region}.amazonaws.com/...</c>).</summary>
public static class ApiGatewayRegion
{
    public static string? FromUrl(string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) return null;
        var labels = uri.Host.Split('.');
        var at = Array.IndexOf(labels, "execute-api");
        return at >= 0 && at + 1 < labels.Length - 1 ? labels[at + 1] : null;
    }
}
