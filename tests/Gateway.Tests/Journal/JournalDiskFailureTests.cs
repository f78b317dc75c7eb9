using FarmGateway.Journal;
using FarmGateway.Tests.Testing;

namespace FarmGateway.Tests.Journal;

/// <summary>A disk that fills up mid-append (ENOSPC through the IAppendFile seam).</summary>
public sealed class JournalDiskFailureTests : JournalTestKit
{
    private readonly FailingDisk _disk = new();

    [Fact]
    public void Append_DiskFullMidWrite_ThrowsLeavesNoTornFrameAndReportsIt()
    {
        using var journal = Open(openFile: _disk.Open);
        journal.OpenCursor("file", CursorStart.Oldest);
        AppendMany(journal, 0, 2);
        _disk.Full = true;

        var error = Assert.Throws<IOException>(() => journal.Append(Payload(2)));

        Assert.Equal(FailingDisk.Enospc, error.HResult);
        Assert.Equal(HeaderBytes + 2 * FrameBytes, new FileInfo(SegmentPath(0)).Length);
        var stats = journal.GetStats();
        Assert.Equal(1, stats.FailedAppends);
        Assert.Equal("No space left on device", stats.LastError);
        Assert.Equal(2, stats.NextSequence);
    }

    [Fact]
    public void Append_AfterTheDiskHasRoomAgain_ContinuesWithoutAGap()
    {
        using (var journal = Open(openFile: _disk.Open))
        {
            journal.OpenCursor("file", CursorStart.Oldest);
            AppendMany(journal, 0, 2);
            _disk.Full = true;
            Assert.Throws<IOException>(() => journal.Append(Payload(99)));
            _disk.Full = false;

            Assert.Equal(2, journal.Append(Payload(2)));
            Assert.Equal(["record-0000", "record-0001", "record-0002"], journal.Read("file", 10, long.MaxValue).Select(Text));
        }

        using var reopened = Open();
        Assert.True(reopened.Recovery.Clean);
        Assert.Equal(3, reopened.NextSequence);
    }

    [Fact]
    public void Append_DiskFullAndTheCutBackRefused_CutsBeforeTheNextWrite()
    {
        using var journal = Open(openFile: _disk.Open);
        journal.OpenCursor("file", CursorStart.Oldest);
        journal.Append(Payload(0));
        _disk.Full = true;
        _disk.RefuseTruncate = true;
        Assert.Throws<IOException>(() => journal.Append(Payload(99)));
        Assert.Throws<IOException>(() => journal.Append(Payload(99)));

        _disk.Full = false;
        _disk.RefuseTruncate = false;
        journal.Append(Payload(1));

        Assert.Equal(HeaderBytes + 2 * FrameBytes, new FileInfo(SegmentPath(0)).Length);
        Assert.Equal(["record-0000", "record-0001"], journal.Read("file", 10, long.MaxValue).Select(Text));
        Assert.Equal(2, journal.GetStats().FailedAppends);
    }

    [Fact]
    public void Append_DiskFullWhenANewSegmentStarts_LeavesNoHalfSegmentAndRecovers()
    {
        using var journal = Open(Options(segmentBytes: FourPerSegment), _disk.Open);
        journal.OpenCursor("file", CursorStart.Oldest);
        AppendMany(journal, 0, 4);
        _disk.Full = true;

        Assert.Throws<IOException>(() => journal.Append(Payload(4)));
        Assert.Equal(["00000000000000000000.seg"], SegmentFiles());

        _disk.Full = false;
        Assert.Equal(4, journal.Append(Payload(4)));
        Assert.Equal([0L, 1L, 2L, 3L, 4L], ReadAll(journal, "file"));
    }
}
