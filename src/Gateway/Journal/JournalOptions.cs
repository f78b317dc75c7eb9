namespace FarmGateway.Journal;

/// <summary>The <c>Gateway:Journal</c> settings (sizes in bytes, durations as TimeSpan).</summary>
public sealed class JournalOptions
{
    /// <summary>Disk cap for all segments together. Default 1 GiB. At least 2 × SegmentBytes.</summary>
    public long MaxBytes { get; set; } = 1L << 30;

    /// <summary>A new segment starts when the current one would grow past this. Default 8 MiB.</summary>
    public long SegmentBytes { get; set; } = 8L << 20;

    /// <summary>Group commit: fsync at most this often. Default 1 s; zero = fsync every append.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Where the cursor of an uplink that is new to this journal starts. Default Oldest (it gets the backlog).</summary>
    public CursorStart NewUplinkStart { get; set; } = CursorStart.Oldest;

    /// <summary>Throws <see cref="ArgumentException"/> quoting the bad value (the host validates config earlier; this guards direct use).</summary>
    public void Validate()
    {
        const long minSegment = JournalFormat.HeaderBytes + JournalFormat.FrameHeaderBytes + 1;
        if (SegmentBytes < minSegment)
            throw new ArgumentException($"SegmentBytes is {SegmentBytes}; it must be at least {minSegment}.");
        if (MaxBytes < 2 * SegmentBytes)
            throw new ArgumentException($"MaxBytes is {MaxBytes}; it must be at least 2 × SegmentBytes ({2 * SegmentBytes}).");
        if (FlushInterval < TimeSpan.Zero)
            throw new ArgumentException($"FlushInterval is {FlushInterval}; it must not be negative.");
    }
}
