using Microsoft.Extensions.Logging;

namespace FarmGateway.Uplinks.Kinesis;

/// <summary>
/// Kinesis uplink log events, ids 4200-4249. Far-side messages are logged only after
/// <see cref="KinesisClient.Redact"/>; credentials and signatures never.
/// </summary>
internal static partial class KinesisLog
{
    [LoggerMessage(4200, LogLevel.Information, "Kinesis stream {Stream} in {Region} is {Status} with {Shards} open shard(s); records go to {Endpoint}")]
    public static partial void StreamReady(ILogger logger, string stream, string region, string status, string shards, string endpoint);

    [LoggerMessage(4201, LogLevel.Error, "Kinesis uplink cannot deliver: {Problem}. Readings stay in the journal until this is fixed")]
    public static partial void Misconfigured(ILogger logger, string problem);

    [LoggerMessage(4202, LogLevel.Warning, "Kinesis stream {Stream} could not be checked at start ({Reason}); readings stay in the journal and go out once it is reachable")]
    public static partial void Unreachable(ILogger logger, string stream, string reason);

    [LoggerMessage(4203, LogLevel.Warning, "Kinesis stream {Stream} is {Status}, not ACTIVE: writes fail until it is")]
    public static partial void StreamNotActive(ILogger logger, string stream, string status);

    [LoggerMessage(4204, LogLevel.Warning, "Kinesis rejected {Count} of {Sent} record(s) of a request, e.g. record {Index}: {Reason}; they are not resent as they are")]
    public static partial void RecordsRejected(ILogger logger, int count, int sent, int index, string reason);

    [LoggerMessage(4205, LogLevel.Debug, "Kinesis took {Taken} of {Sent} record(s): {Throttled} throttled, {Retry} to retry")]
    public static partial void PartlyTaken(ILogger logger, int taken, int sent, int throttled, int retry);

    [LoggerMessage(4206, LogLevel.Information, "Kinesis answered {Code}: resolving AWS credentials again and re-signing")]
    public static partial void Resigning(ILogger logger, string code);

    [LoggerMessage(4207, LogLevel.Debug, "Kinesis answered FailedRecordCount {Reported} but {Failed} record result(s) carry an error; going by the record results")]
    public static partial void FailedCountMismatch(ILogger logger, int reported, int failed);
}
