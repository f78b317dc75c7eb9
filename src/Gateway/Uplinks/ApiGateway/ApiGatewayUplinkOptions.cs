namespace FarmGateway.Uplinks.ApiGateway;

/// <summary>The <c>Gateway:Uplinks:ApiGateway</c> section: HTTPS POST of record batches (ARCHITECTURE.md's contract).</summary>
public sealed class ApiGatewayUplinkOptions
{
    // A synchronous Lambda takes at most 6 MB; API Gateway itself 10 MB and 29 s.
    public const long MaxAllowedBatchBytes = 6_000_000;

    public bool Enabled { get; set; }

    /// <summary>Endpoint URL, e.g. https://abc123.execute-api.ap-northeast-2.amazonaws.com/prod/readings. Required when enabled.</summary>
    public string? Url { get; set; }

    /// <summary>ApiKey (x-api-key header), Iam (SigV4, service execute-api) or None.</summary>
    public ApiGatewayAuth Auth { get; set; } = ApiGatewayAuth.ApiKey;

    /// <summary>The API key for Auth ApiKey. Better set through Gateway__Uplinks__ApiGateway__ApiKey. Never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>For Auth Iam: the region to sign for. Default: taken from an execute-api URL, else AWS_REGION.</summary>
    public string? Region { get; set; }

    /// <summary>For Auth Iam: named profile. Default: the SDK's default credential chain.</summary>
    public string? Profile { get; set; }

    /// <summary>Gzip request bodies (Content-Encoding: gzip). Default true.</summary>
    public bool Gzip { get; set; } = true;

    /// <summary>Records per request. Default 500.</summary>
    public int MaxBatchRecords { get; set; } = 500;

    /// <summary>
    /// Bytes of JSON per request before compression. Default 5 MB, at most 6 MB (the Lambda
    /// limit): a proxy integration escapes the body into the Lambda event, which adds about 10 %.
    /// </summary>
    public long MaxBatchBytes { get; set; } = 5_000_000;

    /// <summary>How long to gather readings into one request while caught up. Default 5 s.</summary>
    public TimeSpan BatchInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Timeout of one HTTP attempt. Default 30 s (API Gateway's integration timeout is 29 s).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

public enum ApiGatewayAuth
{
    ApiKey,
    Iam,
    None,
}
