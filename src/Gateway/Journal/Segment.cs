namespace FarmGateway.Journal;

/// <summary>What the journal keeps in memory per segment file: enough to route reads and count drops without reading the disk.</summary>
internal sealed class Segment(string path, string epoch, long firstSequence)
{
    public string Path { get; } = path;
    public string Epoch { get; } = epoch;
    public long FirstSequence { get; } = firstSequence;
    public long RecordCount { get; set; }
    public long Bytes { get; set; } = JournalFormat.HeaderBytes;

    /// <summary>FirstSequence - 1 while empty.</summary>
    public long LastSequence => FirstSequence + RecordCount - 1;

    /// <summary>Records in this segment with a sequence above <paramref name="acked"/>.</summary>
    public long CountAfter(long acked) => Math.Max(0, LastSequence - Math.Max(acked, FirstSequence - 1));
}
