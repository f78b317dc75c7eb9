using Microsoft.Extensions.Logging;

namespace FarmGateway.Uplinks;

/// <summary>Uplink worker log events, ids 4100-4199 (each uplink kind has its own range from 4000).</summary>
internal static partial class UplinkLog
{
    [LoggerMessage(4100, LogLevel.Information, "Uplink {Uplink}: delivering from the journal, {Backlog} record(s) waiting")]
    public static partial void Started(ILogger logger, string uplink, long backlog);

    [LoggerMessage(4101, LogLevel.Warning, "Uplink {Uplink} failed: {Reason}. The journal keeps the records; retrying with backoff (next in {RetryIn})")]
    public static partial void Failing(ILogger logger, string uplink, string reason, TimeSpan retryIn);

    [LoggerMessage(4102, LogLevel.Information, "Uplink {Uplink} delivers again after {Attempts} failed attempt(s)")]
    public static partial void Recovered(ILogger logger, string uplink, long attempts);

    [LoggerMessage(4103, LogLevel.Warning, "Uplink {Uplink}: {Backlog} record(s) not delivered at shutdown; they stay in the journal and go out after the next start")]
    public static partial void LeftAtShutdown(ILogger logger, string uplink, long backlog);

    [LoggerMessage(4104, LogLevel.Error, "Uplink {Uplink} is misconfigured: {Reason}. The journal keeps the records; retrying slowly (next in {RetryIn})")]
    public static partial void Misconfigured(ILogger logger, string uplink, string reason, TimeSpan retryIn);

    [LoggerMessage(4105, LogLevel.Warning, "Uplink {Uplink}: record {Sequence} quarantined in {Path}: {Reason}")]
    public static partial void Quarantined(ILogger logger, string uplink, long sequence, string reason, string path);

    [LoggerMessage(4106, LogLevel.Warning, "Uplink {Uplink} refused a request of {Records} record(s) ({Reason}); sending at most {BatchRecords} per request to find the record it refuses")]
    public static partial void Splitting(ILogger logger, string uplink, int records, int batchRecords, string reason);

    [LoggerMessage(4107, LogLevel.Debug, "Uplink {Uplink}: {Records} record(s) not taken, sent again ({Reason})")]
    public static partial void PartialFailure(ILogger logger, string uplink, int records, string reason);
}
