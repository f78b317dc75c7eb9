using Microsoft.Extensions.Logging;

namespace FarmGateway.Uplinks.File;

/// <summary>File uplink log events, ids 4000-4099.</summary>
internal static partial class FileUplinkLog
{
    [LoggerMessage(4000, LogLevel.Information, "Outbox {Directory}: records are written as NDJSON, completed files end in .ndjson")]
    public static partial void Opened(ILogger logger, string directory);

    [LoggerMessage(4001, LogLevel.Warning, "Outbox recovery after an unclean stop: {Files} file(s) completed, {TornLines} torn line(s) ({TornBytes} bytes) cut; the journal re-sends what they lacked")]
    public static partial void Recovered(ILogger logger, int files, int tornLines, long tornBytes);

    [LoggerMessage(4002, LogLevel.Warning, "Outbox could not complete its file at shutdown ({Reason}); it is completed at the next start")]
    public static partial void CompleteFailed(ILogger logger, string reason);
}
