namespace FarmGateway.Journal;

/// <summary>What <see cref="DiskJournal.Open"/> found and repaired. <see cref="Clean"/> = nothing to report.</summary>
public sealed record JournalRecovery
{
    /// <summary>The epoch new records are written in.</summary>
    public required string Epoch { get; init; }

    /// <summary>Why a new epoch was started (null = the stored one continues; "created" for a new journal).</summary>
    public string? NewEpochReason { get; init; }

    public int SegmentsKept { get; init; }
    public long RecordsKept { get; init; }

    /// <summary>Bytes cut from the end of the last segment (torn, corrupt or zero-filled tail).</summary>
    public long CutBytes { get; init; }

    /// <summary>Records in the cut bytes, estimated from their length fields (the bytes are exact).</summary>
    public long CutRecords { get; init; }

    /// <summary>Segment files renamed to *.corrupt, with the reason.</summary>
    public IReadOnlyList<QuarantinedSegment> Quarantined { get; init; } = [];

    public IReadOnlyList<CursorRepair> CursorRepairs { get; init; } = [];

    public bool Clean => (NewEpochReason is null or "created") && CutBytes == 0 && Quarantined.Count == 0 && CursorRepairs.Count == 0;
}

public sealed record QuarantinedSegment(string FileName, string Reason, long Bytes);

/// <summary>A cursor whose stored position was moved at start-up (from <see cref="From"/> to <see cref="To"/>).</summary>
public sealed record CursorRepair(string Cursor, long? From, long To, string Reason);
