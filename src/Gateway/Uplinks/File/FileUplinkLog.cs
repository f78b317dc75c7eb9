using Microsoft.Extensions.Logging;

namespace FarmGateway.Uplinks.File;

/// <summary>File uplink log events, ids 4000-4099.</summary>
internal static partial class FileUplinkLog
{
    [LoggerMessage(4000, LogLevel.Information, "Outbox {Directory}: records are written as NDJSON, completed files end in .ndjson")]
    public static partial void Opened(ILogger logger, string directory);

    [LoggerMessage(4001, LogLevel.Warning, "Outbox recovery after an unclean stop: {Files} file(s) completed, {TornLines} torn line(s) ({TornBytes} bytes) cut")]
    public static partial void Recovered(ILogger logger, int files, int tornLines, long tornBytes);

    [LoggerMessage(4002, LogLevel.Warning, "Outbox write failed: {Reason}. {Pending} record(s) are held in memory and retried in {RetryIn}; new readings queue up to the queue's capacity")]
    public static partial void WriteFailed(ILogger logger, string reason, int pending, TimeSpan retryIn);

    [LoggerMessage(4003, LogLevel.Information, "Outbox writes work again; {Pending} held record(s) written")]
    public static partial void WriteRecovered(ILogger logger, int pending);

    [LoggerMessage(4004, LogLevel.Error, "Outbox could not write {Pending} record(s) before shutdown ({Reason}); they are lost")]
    public static partial void LostAtShutdown(ILogger logger, int pending, string reason);
}
