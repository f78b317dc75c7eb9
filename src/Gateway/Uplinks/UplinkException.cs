namespace FarmGateway.Uplinks;

/// <summary>
/// A request that failed as a whole, classified so the worker knows what to do with the batch.
/// The message is for the technician (status page, one log line): it names the far side's error
/// code and never carries credentials.
/// </summary>
public sealed class UplinkException(UplinkFailure failure, string message, Exception? inner = null, TimeSpan? retryAfter = null)
    : Exception(message, inner)
{
    public UplinkFailure Failure { get; } = failure;

    /// <summary>How long the far side asked us to wait (Retry-After), if it said.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>What a whole-request failure means for the batch; the rows of CLOUD.md's error table.</summary>
public enum UplinkFailure
{
    /// <summary>5xx, timeout, connection error, expired credentials or clock skew: resend the whole batch after a backoff.</summary>
    Transient,

    /// <summary>The far side is over its rate (429, Kinesis 400 throughput/throttling codes): resend the batch, slower.</summary>
    Throttled,

    /// <summary>The request is too large (413): split the batch; a single record that is still too large is quarantined.</summary>
    TooLarge,

    /// <summary>The far side calls the request invalid (validation, serialization, other 4xx): split to find the bad records, quarantine them.</summary>
    Rejected,

    /// <summary>A configuration problem (missing stream, access denied, wrong URL or key): alert, keep buffering, retry slowly.</summary>
    Misconfigured,
}
