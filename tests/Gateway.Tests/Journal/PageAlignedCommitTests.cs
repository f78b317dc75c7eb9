using FarmGateway.Journal;
using FarmGateway.Storage;
using FarmGateway.Tests.Testing;

namespace FarmGateway.Tests.Journal;

/// <summary>
/// Page-aligned group commit: frames wait in memory until they complete a 4 KiB page (written
/// whole) or until a record has waited FlushInterval (then the partial page is written too);
/// only an fsync makes anything durable, and a failed write loses nothing that was appended.
/// </summary>
public sealed class PageAlignedCommitTests : JournalTestKit
{
    private const int Page = 4096;
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    /// <summary>150 frames end at 32 + 150 × 27 = 4,082 bytes: the 151st (sequence 150) crosses the first page boundary.</summary>
    private const int FramesBeforeFirstBoundary = (Page - HeaderBytes) / FrameBytes;

    private readonly RecordingDisk _recording = new();
    private readonly FailingDisk _failing = new();

    private long FileLength() => new FileInfo(SegmentPath(0)).Length;

    [Fact]
    public void PartialPage_IsNotWrittenBeforeItsDeadline()
    {
        using var journal = Open(Options(flushInterval: Second), _recording.Open);
        journal.OpenCursor("file", CursorStart.Oldest);
        var syncsAtOpen = _recording.Syncs;

        AppendMany(journal, 0, 3);
        Time.Advance(TimeSpan.FromMilliseconds(999));

        Assert.Equal(HeaderBytes, FileLength());
        Assert.Equal(-1, journal.DurableSequence);
        Assert.Empty(journal.Read("file", 10, long.MaxValue));
        Assert.Equal(syncsAtOpen, _recording.Syncs);
        Assert.Equal(HeaderBytes + 3 * FrameBytes, journal.GetStats().RetainedBytes); // the cap counts the tail
    }

    [Fact]
    public void FullPages_AreWrittenAsTheyFill_WithOneWriteEach_AndNotSyncedBeforeTheDeadline()
    {
        using var journal = Open(Options(flushInterval: Second), _recording.Open);
        var syncsAtOpen = _recording.Syncs;
        _recording.Writes.Clear();

        AppendMany(journal, 0, FramesBeforeFirstBoundary);
        Assert.Equal(HeaderBytes, FileLength());
        Assert.Empty(_recording.Writes);

        journal.Append(Payload(FramesBeforeFirstBoundary)); // completes the first page
        Assert.Equal(Page, FileLength());
        Assert.Equal([(HeaderBytes, Page - HeaderBytes)], _recording.Writes);

        // Two more pages' worth: each write ends exactly on a page boundary.
        AppendMany(journal, FramesBeforeFirstBoundary + 1, 2 * Page / FrameBytes + 1);
        Assert.Equal(3, _recording.Writes.Count);
        Assert.All(_recording.Writes, w => Assert.Equal(0, (w.Offset + w.Count) % Page));
        Assert.Equal(3 * Page, FileLength());
        Assert.Equal(syncsAtOpen, _recording.Syncs);
        Assert.Equal(-1, journal.DurableSequence);
    }

    [Fact]
    public void DeadlineFlush_WritesThePartialPage_AndMakesEverythingDurable()
    {
        var journal = Open(Options(flushInterval: Second), _recording.Open);
        journal.OpenCursor("file", CursorStart.Oldest);
        AppendMany(journal, 0, FramesBeforeFirstBoundary + 3); // one whole page and a partial one

        Time.Advance(Second);

        var length = HeaderBytes + (FramesBeforeFirstBoundary + 3) * FrameBytes;
        Assert.Equal(length, FileLength());
        Assert.Equal(FramesBeforeFirstBoundary + 2, journal.DurableSequence);
        Assert.Equal(FramesBeforeFirstBoundary + 3, ReadAll(journal, "file").Length);
        Assert.Equal(length, _recording.Writes[^1].Offset + _recording.Writes[^1].Count);

        // The timer is one-shot and disarmed when nothing waits: no further fsyncs while idle.
        var syncs = _recording.Syncs;
        Time.Advance(10 * Second);
        Assert.Equal(syncs, _recording.Syncs);

        journal.Dispose();
        using var reopened = Open();
        Assert.True(reopened.Recovery.Clean);
        Assert.Equal(FramesBeforeFirstBoundary + 3, reopened.NextSequence);
    }

    [Fact]
    public void Deadline_WhenOnlyWrittenPagesAreLate_FsyncsThemAndKeepsTheNewerPartialPageInMemory()
    {
        using var journal = Open(Options(flushInterval: Second), _recording.Open);
        journal.OpenCursor("file", CursorStart.Oldest);
        AppendMany(journal, 0, 100);                        // t = 0
        Time.Advance(TimeSpan.FromMilliseconds(500));
        AppendMany(journal, 100, FramesBeforeFirstBoundary - 100 + 3); // t = 0.5: completes page 1; frame 150 is split
        var syncs = _recording.Syncs;

        Time.Advance(TimeSpan.FromMilliseconds(500));       // t = 1.0: the deadline of the records from t = 0

        Assert.Equal(syncs + 1, _recording.Syncs);
        Assert.Equal(Page, FileLength());                    // the partial page was not written
        Assert.Equal(FramesBeforeFirstBoundary - 1, journal.DurableSequence); // the last frame wholly in page 1
        Assert.Equal(FramesBeforeFirstBoundary, ReadAll(journal, "file").Length);

        Time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Equal(FramesBeforeFirstBoundary - 1, journal.DurableSequence);

        Time.Advance(TimeSpan.FromMilliseconds(1));         // t = 1.5: the deadline of the records from t = 0.5
        Assert.Equal(HeaderBytes + (FramesBeforeFirstBoundary + 3) * FrameBytes, FileLength());
        Assert.Equal(FramesBeforeFirstBoundary + 2, journal.DurableSequence);
        Assert.Equal(3, ReadAll(journal, "file").Length);
    }

    [Fact]
    public void PageWriteFails_TheAppendThrows_EarlierRecordsStayBuffered_AndNothingIsLost()
    {
        var journal = Open(Options(flushInterval: Second), _failing.Open);
        journal.OpenCursor("file", CursorStart.Oldest);
        AppendMany(journal, 0, FramesBeforeFirstBoundary); // all in memory
        _failing.Full = true;

        // The page write carries the earlier frames and this one; it fails half-way.
        var error = Assert.Throws<IOException>(() => journal.Append(Payload(999)));

        Assert.Equal(FailingDisk.Enospc, error.HResult);
        Assert.Equal(1, _failing.FailedAppends);
        Assert.Equal(HeaderBytes, FileLength());          // cut back: no torn frame in the file
        var stats = journal.GetStats();
        Assert.Equal(FramesBeforeFirstBoundary, stats.NextSequence); // the failed record did not take a sequence
        Assert.Equal(1, stats.FailedAppends);
        Assert.Equal(-1, stats.DurableSequence);

        // Appends that fit before the boundary are still taken; the deadline flush fails too and is retried.
        Time.Advance(Second);
        Assert.Equal(-1, journal.DurableSequence);
        Assert.Equal("No space left on device", journal.GetStats().LastError);
        Assert.Throws<IOException>(journal.Flush);
        Assert.Equal(HeaderBytes, FileLength());

        _failing.Full = false;
        Assert.Equal(FramesBeforeFirstBoundary, journal.Append(Payload(FramesBeforeFirstBoundary)));
        Assert.Equal(Page, FileLength());
        Time.Advance(Second);                              // the retry (or the new record's deadline)

        Assert.Equal(FramesBeforeFirstBoundary, journal.DurableSequence);
        var records = journal.Read("file", int.MaxValue, long.MaxValue);
        Assert.Equal(Enumerable.Range(0, FramesBeforeFirstBoundary + 1).Select(i => $"record-{i:D4}"), records.Select(Text));
        journal.Dispose();

        using var reopened = Open();
        Assert.True(reopened.Recovery.Clean);
        Assert.Equal(FramesBeforeFirstBoundary + 1, reopened.NextSequence);
    }

    [Fact]
    public void DeadlineFlushFails_NothingBecomesDurable_AndTheNextDeadlineWritesItAll()
    {
        using var journal = Open(Options(flushInterval: Second), _failing.Open);
        journal.OpenCursor("file", CursorStart.Oldest);
        AppendMany(journal, 0, 3);
        _failing.Full = true;
        _failing.RefuseTruncate = true; // the torn half cannot even be cut back at once

        Time.Advance(Second);

        Assert.Equal(-1, journal.DurableSequence);
        Assert.Empty(journal.Read("file", 10, long.MaxValue));
        Assert.Equal(1, _failing.FailedAppends);

        _failing.Full = false;
        _failing.RefuseTruncate = false;
        Time.Advance(Second);

        Assert.Equal(2, journal.DurableSequence);
        Assert.Equal(HeaderBytes + 3 * FrameBytes, FileLength());
        Assert.Equal(["record-0000", "record-0001", "record-0002"], journal.Read("file", 10, long.MaxValue).Select(Text));
    }

    [Fact]
    public void RollFails_TheRecordsOfTheFullSegmentStayBuffered_AndAreWrittenOnTheNextTry()
    {
        using var journal = Open(Options(segmentBytes: FourPerSegment, flushInterval: Second), _failing.Open);
        journal.OpenCursor("file", CursorStart.Oldest);
        AppendMany(journal, 0, 4); // a full segment, only in memory
        _failing.Full = true;

        Assert.Throws<IOException>(() => journal.Append(Payload(4))); // the roll must write the tail first

        Assert.Equal(["00000000000000000000.seg"], SegmentFiles());
        Assert.Equal(HeaderBytes, FileLength());
        _failing.Full = false;
        Assert.Equal(4, journal.Append(Payload(4)));
        Assert.Equal(FourPerSegment, FileLength());
        Assert.Equal(3, journal.DurableSequence); // the roll fsynced the old segment
        Time.Advance(Second);
        Assert.Equal([0L, 1L, 2L, 3L, 4L], ReadAll(journal, "file"));
    }

    /// <summary>Real files, every write's offset and size and every fsync recorded.</summary>
    private sealed class RecordingDisk
    {
        public List<(long Offset, int Count)> Writes { get; } = [];
        public int Syncs { get; private set; }

        public IAppendFile Open(string path) => new File(this, AppendFile.Open(path));

        private sealed class File(RecordingDisk disk, IAppendFile inner) : IAppendFile
        {
            public string Path => inner.Path;
            public long Length => inner.Length;

            public void Append(ReadOnlySpan<byte> data)
            {
                disk.Writes.Add((inner.Length, data.Length));
                inner.Append(data);
            }

            public void Sync()
            {
                disk.Syncs++;
                inner.Sync();
            }

            public void Truncate(long length) => inner.Truncate(length);

            public void Dispose() => inner.Dispose();
        }
    }
}
