namespace FarmGateway.Journal;

/// <summary>
/// A cursor in memory: the persisted acknowledged position and the read position (what was
/// already handed out), plus where that read position is in its segment so the next read does
/// not scan the segment again.
/// </summary>
internal sealed class CursorState(string name, long acked)
{
    public string Name { get; } = name;
    public long Acked { get; set; } = acked;

    /// <summary>What the cursor file holds; behind <see cref="Acked"/> until the next save.</summary>
    public long Saved { get; set; } = acked;
    public DateTimeOffset SavedAt { get; set; } = DateTimeOffset.MinValue;
    public long NextToRead { get; set; } = acked + 1;

    /// <summary>Byte offset of <see cref="NextToRead"/> in the segment starting at <see cref="CachedSegment"/>; -1 = unknown.</summary>
    public long CachedOffset { get; set; } = -1;
    public long CachedSegment { get; set; } = -1;

    public void MoveReadTo(long sequence)
    {
        NextToRead = sequence;
        CachedOffset = -1;
    }
}
