using FarmGateway.Journal;

namespace FarmGateway.Tests.Journal;

/// <summary>Start-up after an unclean stop: the journal always opens, cuts or quarantines what is bad, and says so.</summary>
public sealed class JournalRecoveryTests : JournalTestKit
{
    private string WriteRecords(int count, long segmentBytes = 1 << 20)
    {
        using var journal = Open(Options(segmentBytes: segmentBytes));
        journal.OpenCursor("file", CursorStart.Oldest);
        AppendMany(journal, 0, count);
        return journal.Epoch;
    }

    [Fact]
    public void Open_TruncatedMidRecord_CutsTheTornRecordAndKeepsTheOthers()
    {
        var epoch = WriteRecords(3);
        var path = SegmentPath(0);
        using (var file = new FileStream(path, FileMode.Open)) file.SetLength(file.Length - 10);

        using var journal = Open();

        Assert.Equal(FrameBytes - 10, journal.Recovery.CutBytes);
        Assert.Equal(1, journal.Recovery.CutRecords);
        Assert.Equal(HeaderBytes + 2 * FrameBytes, new FileInfo(path).Length);
        Assert.Equal([0L, 1L], ReadAll(journal, "file"));
        Assert.NotEqual(epoch, journal.Epoch);
        Assert.NotNull(journal.Recovery.NewEpochReason);
        Assert.Equal(2, journal.Append(Payload(2)));
        Assert.Equal(journal.Epoch, journal.Read("file", 1, long.MaxValue).Single().Epoch);
    }

    [Fact]
    public void Open_ByteFlippedInTheLastSegment_CutsFromTheDamagedRecord()
    {
        WriteRecords(4);
        FlipByte(SegmentPath(0), HeaderBytes + FrameBytes + 20);

        using var journal = Open();

        Assert.Equal(3 * FrameBytes, journal.Recovery.CutBytes);
        Assert.Equal(3, journal.Recovery.CutRecords);
        Assert.Equal([0L], ReadAll(journal, "file"));
        Assert.Equal(3 * FrameBytes, journal.GetStats().CutBytes);
    }

    [Fact]
    public void Open_ByteFlippedInAMiddleSegment_QuarantinesItAndKeepsTheRest()
    {
        WriteRecords(12, FourPerSegment);
        var middle = SegmentPath(1);
        FlipByte(middle, HeaderBytes + FrameBytes + 20);

        using var journal = Open(Options(segmentBytes: FourPerSegment));

        var quarantined = Assert.Single(journal.Recovery.Quarantined);
        Assert.Equal("00000000000000000004.seg", quarantined.FileName);
        Assert.True(File.Exists(middle + ".corrupt"));
        Assert.Equal([0L, 1L, 2L, 3L, 8L, 9L, 10L, 11L], ReadAll(journal, "file"));
        Assert.Equal(1, journal.GetStats().QuarantinedSegments);
        Assert.Equal(0, journal.Recovery.CutBytes);
        Assert.Equal(12, journal.Append(Payload(12)));
    }

    [Fact]
    public void Open_SegmentWithABadHeader_IsQuarantined()
    {
        WriteRecords(8, FourPerSegment);
        FlipByte(SegmentPath(0), 2);

        using var journal = Open(Options(segmentBytes: FourPerSegment));

        Assert.Equal("bad header", Assert.Single(journal.Recovery.Quarantined).Reason);
        Assert.Equal([4L, 5L, 6L, 7L], ReadAll(journal, "file"));
        Assert.Equal(3, journal.Recovery.CursorRepairs.Single().To);
    }

    [Fact]
    public void Open_ZeroFilledTailAfterAPowerCut_CutsTheZerosAndCountsNoRecords()
    {
        WriteRecords(3);
        using (var file = new FileStream(SegmentPath(0), FileMode.Append)) file.Write(new byte[4096]);

        using var journal = Open();

        Assert.Equal(4096, journal.Recovery.CutBytes);
        Assert.Equal(0, journal.Recovery.CutRecords);
        Assert.Equal([0L, 1L, 2L], ReadAll(journal, "file"));
        Assert.Equal(3, journal.Append(Payload(3)));
    }

    [Fact]
    public void Open_GarbageEverywhere_StillOpensAndAcceptsRecords()
    {
        WriteRecords(8, FourPerSegment);
        foreach (var file in SegmentFiles()) File.WriteAllBytes(Dir.Combine(file), new byte[100]);
        File.WriteAllText(Dir.Combine("file.cursor"), "not a number");
        File.WriteAllText(Dir.Combine("epoch"), "?");

        using var journal = Open(Options(segmentBytes: FourPerSegment));

        Assert.Equal(2, journal.Recovery.Quarantined.Count);
        Assert.Equal("the epoch file was missing", journal.Recovery.NewEpochReason);
        Assert.Equal(4, journal.NextSequence);
        var sequence = journal.Append(Payload(0));
        Assert.Equal([sequence], ReadAll(journal, "file"));
    }

    [Fact]
    public void Open_MissingCursorFile_TheCursorStartsAgainAtItsStartPoint()
    {
        WriteRecords(3);
        File.Delete(Dir.Combine("file.cursor"));

        using var journal = Open();

        Assert.True(journal.OpenCursor("file", CursorStart.Oldest));
        Assert.Equal([0L, 1L, 2L], ReadAll(journal, "file"));
    }

    [Fact]
    public void Open_CursorBeyondTheEnd_IsClampedReportedAndANewEpochStarts()
    {
        var epoch = WriteRecords(3);
        File.WriteAllText(Dir.Combine("file.cursor"), "41\n");

        using var journal = Open();

        Assert.Equal(new CursorRepair("file", 41, 2, "it pointed past the last record (2); clamped to the end"), journal.Recovery.CursorRepairs.Single());
        Assert.Equal("2\n", File.ReadAllText(Dir.Combine("file.cursor")));
        Assert.NotEqual(epoch, journal.Epoch);
        Assert.Empty(ReadAll(journal, "file"));
        journal.Append(Payload(3));
        var record = journal.Read("file", 10, long.MaxValue).Single();
        Assert.Equal((journal.Epoch, 3L), (record.Epoch, record.Sequence));
    }

    [Fact]
    public void Open_CursorPointingIntoDeletedSegments_MovesToTheOldestRecord()
    {
        using (var journal = Open(Options(segmentBytes: FourPerSegment)))
        {
            journal.OpenCursor("file", CursorStart.Oldest);
            journal.OpenCursor("kinesis", CursorStart.Oldest);
            AppendMany(journal, 0, 9);
            journal.Ack("file", 8);
            journal.Ack("kinesis", 8);
        }
        File.WriteAllText(Dir.Combine("kinesis.cursor"), "1\n");

        using var reopened = Open(Options(segmentBytes: FourPerSegment));

        var repair = reopened.Recovery.CursorRepairs.Single();
        Assert.Equal(("kinesis", 1L, 7L), (repair.Cursor, repair.From!.Value, repair.To));
        Assert.Equal([8L], ReadAll(reopened, "kinesis"));
    }

    [Fact]
    public void Open_LeftoverTempFiles_AreRemoved()
    {
        WriteRecords(1);
        File.WriteAllText(Dir.Combine("file.cursor.tmp"), "9");

        using var journal = Open();

        Assert.False(File.Exists(Dir.Combine("file.cursor.tmp")));
        Assert.True(journal.Recovery.Clean);
    }

    [Fact]
    public void Read_FrameCorruptedAfterOpen_SkipsTheRestOfItsSegmentAndCountsIt()
    {
        using var journal = Open(Options(segmentBytes: FourPerSegment));
        journal.OpenCursor("file", CursorStart.Oldest);
        AppendMany(journal, 0, 9);
        FlipByte(SegmentPath(0), HeaderBytes + 2 * FrameBytes + 20);

        Assert.Equal([0L, 1L, 4L, 5L, 6L, 7L, 8L], ReadAll(journal, "file"));
        Assert.Equal(2, journal.GetStats().Dropped[DropReasons.CorruptOnRead]);
    }
}
