using System.Globalization;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;

namespace FarmGateway.Uplinks.Aws;

/// <summary>
/// Signs every request with SigV4 (AWSSDK.Core's public signer) just before it leaves, so every
/// attempt, retries included, carries a fresh date and freshly resolved credentials. The body
/// must be final (already gzipped) when the request reaches this handler.
/// </summary>
/// <param name="signedAt">A fixed signing time, for test vectors only; null signs with the current time.</param>
public sealed class AwsSigningHandler(AwsCredentialSource credentials, RegionEndpoint region, string service, DateTime? signedAt = null)
    : DelegatingHandler
{
    // Headers that proxies or the HTTP stack may change on the way: never signed. Content-Length
    // is signed below as the length of the body that goes on the wire, as the SDK and AWS's test
    // vectors do.
    private static readonly HashSet<string> Unsigned = new(StringComparer.OrdinalIgnoreCase)
    {
        "user-agent", "expect", "connection", "transfer-encoding", "content-length", "authorization",
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var toSign = new AWSSigningRequest
        {
            HttpMethod = request.Method,
            RequestUri = request.RequestUri ?? throw new InvalidOperationException("A signed request needs an absolute URI."),
        };
        long length;
        if (request.Content is ByteArrayContent or ReadOnlyMemoryContent)
        {
            // In-memory bodies are hashed where they lie (a view, no copy); the wire copy comes from the same bytes.
            var view = await request.Content.ReadAsStreamAsync(cancellationToken);
            view.Position = 0;
            toSign.ContentStream = view;
            length = view.Length;
        }
        else
        {
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            toSign.Content = body;
            length = body.Length;
        }
        foreach (var header in request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>()))
            if (!Unsigned.Contains(header.Key) && !header.Key.StartsWith("x-amz-date", StringComparison.OrdinalIgnoreCase))
                toSign.Headers[header.Key.ToLowerInvariant()] = string.Join(',', header.Value.Select(v => v.Trim()));
        if (request.Content is { } content && request.Headers.TransferEncodingChunked != true)
        {
            content.Headers.ContentLength = length;
            toSign.Headers["content-length"] = length.ToString(CultureInfo.InvariantCulture);
        }

        var identity = await credentials.GetAsync(cancellationToken);
        var parameters = new AWSSigV4Parameters
        {
            Credentials = identity.UseToken
                ? new SessionAWSCredentials(identity.AccessKey, identity.SecretKey, identity.Token)
                : new BasicAWSCredentials(identity.AccessKey, identity.SecretKey),
            Region = region,
            Service = service,
            SignedAt = signedAt,
        };
        var signed = await AWSSigV4Signer.SignAsync(toSign, parameters, cancellationToken);
        foreach (var (name, value) in signed.Headers)
        {
            if (toSign.Headers.ContainsKey(name.ToLowerInvariant())) continue;
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return await base.SendAsync(request, cancellationToken);
    }
}
