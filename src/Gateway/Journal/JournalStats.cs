namespace FarmGateway.Journal;

/// <summary>A snapshot of the journal for status, metrics and the CLI.</summary>
public sealed record JournalStats
{
    public required string Epoch { get; init; }
    public int Segments { get; init; }
    public long RetainedRecords { get; init; }
    public long RetainedBytes { get; init; }

    /// <summary>The sequence the next append gets.</summary>
    public long NextSequence { get; init; }

    /// <summary>Highest durable sequence, -1 if none.</summary>
    public long DurableSequence { get; init; }

    /// <summary>Records dropped, by reason (<see cref="DropReasons"/>), since open.</summary>
    public IReadOnlyDictionary<string, long> Dropped { get; init; } = new Dictionary<string, long>();

    /// <summary>Since open, including what start-up recovery cut and quarantined.</summary>
    public long CutRecords { get; init; }
    public long CutBytes { get; init; }
    public int QuarantinedSegments { get; init; }

    /// <summary>Appends that failed with an I/O error (the caller got the exception; nothing was kept).</summary>
    public long FailedAppends { get; init; }
    public string? LastError { get; init; }

    public IReadOnlyList<CursorStats> Cursors { get; init; } = [];
}

/// <param name="OldestUnacked">Sequence of the oldest retained record the cursor has not acknowledged; null when caught up.</param>
public sealed record CursorStats(string Name, long Acked, long BacklogRecords, long? OldestUnacked);

/// <summary>Why records were dropped; the keys of <see cref="JournalStats.Dropped"/>.</summary>
public static class DropReasons
{
    /// <summary>The oldest segment was deleted to stay under MaxBytes before every cursor had passed it.</summary>
    public const string DiskCap = "disk cap";

    /// <summary>A frame failed its CRC when read after start-up; the rest of its segment is skipped.</summary>
    public const string CorruptOnRead = "corrupt on read";
}
