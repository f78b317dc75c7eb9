using Microsoft.Extensions.Logging;

namespace FarmGateway.Journal;

/// <summary>Journal log events, ids 3000-3099.</summary>
internal static partial class JournalLog
{
    [LoggerMessage(3000, LogLevel.Information, "Journal {Directory} open: epoch {Epoch}, {Segments} segment(s), {Records} record(s) kept")]
    public static partial void Opened(ILogger logger, string directory, string epoch, int segments, long records);

    [LoggerMessage(3001, LogLevel.Warning, "Journal recovery cut {Bytes} byte(s) (about {Records} record(s)) from the end of {Segment}: a torn or corrupt tail after an unclean stop")]
    public static partial void TailCut(ILogger logger, string segment, long bytes, long records);

    [LoggerMessage(3002, LogLevel.Warning, "Journal segment {Segment} quarantined ({Reason}); {Bytes} byte(s) set aside as *.corrupt, the rest of the journal is kept")]
    public static partial void Quarantined(ILogger logger, string segment, string reason, long bytes);

    [LoggerMessage(3003, LogLevel.Warning, "Journal cursor {Cursor} repaired from {From} to {To}: {Reason}")]
    public static partial void CursorRepaired(ILogger logger, string cursor, long? from, long to, string reason);

    [LoggerMessage(3004, LogLevel.Warning, "Journal reached MaxBytes: dropped segment {Segment} with {Records} record(s) not yet sent by every uplink")]
    public static partial void CapDropped(ILogger logger, string segment, long records);

    [LoggerMessage(3005, LogLevel.Warning, "Journal started epoch {Epoch}: {Reason}")]
    public static partial void NewEpoch(ILogger logger, string epoch, string reason);

    [LoggerMessage(3006, LogLevel.Warning, "Journal append failed: {Reason}; the reading was not accepted")]
    public static partial void AppendFailed(ILogger logger, string reason);

    [LoggerMessage(3007, LogLevel.Warning, "Journal {Segment}: a frame failed its check while reading; {Records} record(s) after it skipped")]
    public static partial void CorruptOnRead(ILogger logger, string segment, long records);

    [LoggerMessage(3008, LogLevel.Warning, "Journal fsync failed: {Reason}; readings since the last fsync are not accepted yet")]
    public static partial void FlushFailed(ILogger logger, string reason);

    [LoggerMessage(3010, LogLevel.Warning, "Journal write failed: {Reason}. The reading is held and retried in {RetryIn}; new readings wait in the queue (up to 10,000)")]
    public static partial void AppendHeld(ILogger logger, string reason, TimeSpan retryIn);

    [LoggerMessage(3011, LogLevel.Information, "Journal writes work again")]
    public static partial void AppendRecovered(ILogger logger);

    [LoggerMessage(3012, LogLevel.Error, "Journal could not take {Count} reading(s) before shutdown ({Reason}); they are lost")]
    public static partial void LostAtShutdown(ILogger logger, int count, string reason);

    /// <summary>Debug: lets an operator (and the crash test) see what is accepted, by id.</summary>
    [LoggerMessage(3013, LogLevel.Debug, "Journal durable through {Epoch}:{Sequence}")]
    public static partial void Durable(ILogger logger, string epoch, long sequence);

    [LoggerMessage(3014, LogLevel.Warning, "Journal cursor {Cursor} released: its uplink is no longer configured; {Backlog} record(s) it had not sent are no longer kept for it")]
    public static partial void CursorReleased(ILogger logger, string cursor, long backlog);
}
