using FarmGateway.Journal;

namespace FarmGateway.Tests.Journal;

/// <summary>The journal contract: append, read from a cursor, ack, rewind, segments, cap, reopen.</summary>
public sealed class DiskJournalTests : JournalTestKit
{
    [Fact]
    public void Append_NewJournal_NumbersRecordsFromZero()
    {
        using var journal = Open();

        Assert.Equal([0L, 1L, 2L], new[] { journal.Append(Payload(0)), journal.Append(Payload(1)), journal.Append(Payload(2)) });
        Assert.Equal(2, journal.DurableSequence);
        Assert.Equal("created", journal.Recovery.NewEpochReason);
        Assert.Matches("^[0-9a-f]{8}$", journal.Epoch);
        Assert.Equal(journal.Epoch + "\n", File.ReadAllText(Dir.Combine("epoch")));
    }

    [Fact]
    public void Append_EmptyOrOversizedPayload_IsRefusedWithAClearMessage()
    {
        using var journal = Open();

        Assert.Throws<ArgumentException>(() => journal.Append([]));
        var error = Assert.Throws<ArgumentException>(() => journal.Append(new byte[DiskJournal.MaxPayloadBytes + 1]));
        Assert.Contains("at most 1048576 bytes", error.Message);
        Assert.Equal(0, journal.NextSequence);
    }

    [Fact]
    public void Read_AfterAppend_ReturnsRecordsInOrderWithTheirEpoch()
    {
        using var journal = Open();
        journal.OpenCursor("file", CursorStart.Oldest);
        AppendMany(journal, 0, 3);

        var records = journal.Read("file", 10, 1 << 20);

        Assert.Equal(["record-0000", "record-0001", "record-0002"], records.Select(Text));
        Assert.Equal([0L, 1L, 2L], records.Select(r => r.Sequence));
        Assert.All(records, r => Assert.Equal(journal.Epoch, r.Epoch));
    }

    [Fact]
    public void Read_Repeated_ContinuesAfterWhatWasHandedOut()
    {
        using var journal = Open();
        journal.OpenCursor("file", CursorStart.Oldest);
        AppendMany(journal, 0, 5);

        Assert.Equal([0L, 1L], journal.Read("file", 2, long.MaxValue).Select(r => r.Sequence));
        Assert.Equal([2L, 3L], journal.Read("file", 2, long.MaxValue).Select(r => r.Sequence));
        Assert.Equal([4L], journal.Read("file", 2, long.MaxValue).Select(r => r.Sequence));
        Assert.Empty(journal.Read("file", 2, long.MaxValue));
    }

    [Fact]
    public void Read_MaxBytes_StopsBeforeTheRecordThatWouldExceedIt()
    {
        using var journal = Open();
        journal.OpenCursor("file", CursorStart.Oldest);
        AppendMany(journal, 0, 5);

        Assert.Equal([0L, 1L], journal.Read("file", 10, 2 * PayloadBytes + 1).Select(r => r.Sequence));
        Assert.Equal([2L, 3L], journal.Read("file", 10, 2 * PayloadBytes).Select(r => r.Sequence));
    }

    [Fact]
    public void Read_FirstRecordBiggerThanMaxBytes_IsReturnedAloneSoNothingGetsStuck()
    {
        using var journal = Open();
        journal.OpenCursor("file", CursorStart.Oldest);
        AppendMany(journal, 0, 2);

        Assert.Equal([0L], journal.Read("file", 10, 1).Select(r => r.Sequence));
    }

    [Fact]
    public void Rewind_AfterAFailedSend_ReadsTheUnacknowledgedRecordsAgain()
    {
        using var journal = Open();
        journal.OpenCursor("file", CursorStart.Oldest);
        AppendMany(journal, 0, 4);
        journal.Read("file", 2, long.MaxValue);
        journal.Ack("file", 1);
        journal.Read("file", 2, long.MaxValue);

        journal.Rewind("file");

        Assert.Equal([2L, 3L], ReadAll(journal, "file"));
    }

    [Fact]
    public void Ack_MoreThanIsDurable_IsRefused()
    {
        using var journal = Open(Options(flushInterval: TimeSpan.FromSeconds(1)));
        journal.OpenCursor("file", CursorStart.Oldest);
        journal.Append(Payload(0));

        Assert.Throws<ArgumentOutOfRangeException>(() => journal.Ack("file", 0));
    }

    [Fact]
    public void Ack_LowerThanBefore_IsIgnored()
    {
        using var journal = Open();
        journal.OpenCursor("file", CursorStart.Oldest);
        AppendMany(journal, 0, 3);
        journal.Ack("file", 2);

        journal.Ack("file", 0);

        Assert.Equal(2, journal.GetStats().Cursors.Single().Acked);
    }

    [Fact]
    public void Read_UnknownCursor_SaysToOpenItFirst()
    {
        using var journal = Open();

        var error = Assert.Throws<InvalidOperationException>(() => journal.Read("kinesis", 1, 1));
        Assert.Contains("OpenCursor", error.Message);
    }

    [Fact]
    public void Reopen_AfterAck_CursorContinuesAfterTheAcknowledgedRecord()
    {
        using (var journal = Open())
        {
            journal.OpenCursor("file", CursorStart.Oldest);
            AppendMany(journal, 0, 5);
            journal.Read("file", 5, long.MaxValue);
            journal.Ack("file", 2);
        }

        using var reopened = Open();

        Assert.False(reopened.OpenCursor("file", CursorStart.Now));
        Assert.Equal([3L, 4L], ReadAll(reopened, "file"));
        Assert.True(reopened.Recovery.Clean);
    }

    [Fact]
    public void Reopen_CleanStop_ContinuesTheSequenceInTheSameEpoch()
    {
        string epoch;
        using (var journal = Open())
        {
            AppendMany(journal, 0, 3);
            epoch = journal.Epoch;
        }

        using var reopened = Open();

        Assert.Equal(epoch, reopened.Epoch);
        Assert.Null(reopened.Recovery.NewEpochReason);
        Assert.Equal(3, reopened.Append(Payload(3)));
        Assert.Equal(1, reopened.GetStats().Segments);
    }

    [Fact]
    public void OpenCursor_StartOldest_GetsTheWholeBacklog()
    {
        using var journal = Open();
        AppendMany(journal, 0, 3);

        Assert.True(journal.OpenCursor("kinesis", CursorStart.Oldest));

        Assert.Equal([0L, 1L, 2L], ReadAll(journal, "kinesis"));
    }

    [Fact]
    public void OpenCursor_StartNow_GetsOnlyLaterRecordsAndKeepsThatPointAcrossReopen()
    {
        using (var journal = Open())
        {
            AppendMany(journal, 0, 3);
            journal.OpenCursor("kinesis", CursorStart.Now);
            AppendMany(journal, 3, 1);
        }

        using var reopened = Open();
        reopened.OpenCursor("kinesis", CursorStart.Now);

        Assert.Equal([3L], ReadAll(reopened, "kinesis"));
    }

    [Fact]
    public void OpenCursor_InvalidName_IsRefused()
    {
        using var journal = Open();

        Assert.Throws<ArgumentException>(() => journal.OpenCursor("../etc", CursorStart.Now));
    }

    [Fact]
    public void Append_PastSegmentBytes_StartsASegmentNamedByItsFirstSequence()
    {
        using var journal = Open(Options(segmentBytes: FourPerSegment));

        AppendMany(journal, 0, 9);

        Assert.Equal(["00000000000000000000.seg", "00000000000000000004.seg", "00000000000000000008.seg"], SegmentFiles());
        Assert.All(SegmentFiles().Take(2), f => Assert.Equal(FourPerSegment, new FileInfo(Dir.Combine(f)).Length));
        var stats = journal.GetStats();
        Assert.Equal(9, stats.RetainedRecords);
        Assert.Equal(3 * HeaderBytes + 9 * FrameBytes, stats.RetainedBytes);
    }

    [Fact]
    public void Read_AcrossSegments_ReturnsEveryRecordOnce()
    {
        using var journal = Open(Options(segmentBytes: FourPerSegment));
        journal.OpenCursor("file", CursorStart.Oldest);
        AppendMany(journal, 0, 10);

        Assert.Equal([0L, 1L, 2L, 3L, 4L, 5L], journal.Read("file", 6, long.MaxValue).Select(r => r.Sequence));
        Assert.Equal([6L, 7L, 8L, 9L], ReadAll(journal, "file"));
    }

    [Fact]
    public void Ack_PastWholeSegments_DeletesThemOnceEveryCursorPassed()
    {
        using var journal = Open(Options(segmentBytes: FourPerSegment));
        journal.OpenCursor("file", CursorStart.Oldest);
        journal.OpenCursor("kinesis", CursorStart.Oldest);
        AppendMany(journal, 0, 10);

        journal.Ack("file", 9);
        Assert.Equal(3, SegmentFiles().Length);

        journal.Ack("kinesis", 4);
        Assert.Equal(["00000000000000000004.seg", "00000000000000000008.seg"], SegmentFiles());
    }

    [Fact]
    public void Ack_EverythingAcknowledged_KeepsTheSegmentBeingWritten()
    {
        using var journal = Open(Options(segmentBytes: FourPerSegment));
        journal.OpenCursor("file", CursorStart.Oldest);
        AppendMany(journal, 0, 8);

        journal.Ack("file", 7);

        Assert.Equal(["00000000000000000004.seg"], SegmentFiles());
        Assert.Equal(8, journal.Append(Payload(8)));
        Assert.Equal([8L], ReadAll(journal, "file"));
    }

    [Fact]
    public void RemoveCursor_TheOnlyOneBehind_LetsItsSegmentsBeDeleted()
    {
        using var journal = Open(Options(segmentBytes: FourPerSegment));
        journal.OpenCursor("file", CursorStart.Oldest);
        journal.OpenCursor("old-uplink", CursorStart.Oldest);
        AppendMany(journal, 0, 9);
        journal.Ack("file", 8);

        journal.RemoveCursor("old-uplink");

        Assert.Equal(["00000000000000000008.seg"], SegmentFiles());
        Assert.False(File.Exists(Dir.Combine("old-uplink.cursor")));
    }

    [Fact]
    public void Append_OverMaxBytes_DropsTheOldestSegmentCountsItAndKeepsAccepting()
    {
        using var journal = Open(Options(segmentBytes: FourPerSegment, maxBytes: 3 * FourPerSegment));
        journal.OpenCursor("file", CursorStart.Oldest);
        journal.OpenCursor("kinesis", CursorStart.Oldest);
        AppendMany(journal, 0, 12);
        journal.Ack("file", 1);

        AppendMany(journal, 12, 1);

        Assert.Equal(["00000000000000000004.seg", "00000000000000000008.seg", "00000000000000000012.seg"], SegmentFiles());
        var stats = journal.GetStats();
        Assert.Equal(4, stats.Dropped[DropReasons.DiskCap]);
        Assert.True(stats.RetainedBytes <= 3 * FourPerSegment);
        Assert.All(stats.Cursors, c => Assert.Equal(3, c.Acked));
        Assert.Equal(Enumerable.Range(4, 9).Select(i => (long)i), ReadAll(journal, "kinesis"));
        Assert.Equal("3\n", File.ReadAllText(Dir.Combine("file.cursor")));
    }

    [Fact]
    public void Append_ManyTimesMaxBytesWhileTheCursorKeepsUp_DropsNothing()
    {
        using var journal = Open(Options(segmentBytes: FourPerSegment, maxBytes: 2 * FourPerSegment));
        journal.OpenCursor("file", CursorStart.Oldest);

        for (var batch = 0; batch < 10; batch++)
        {
            AppendMany(journal, batch * 4, 4);
            journal.Ack("file", journal.Read("file", 100, long.MaxValue)[^1].Sequence);
        }

        Assert.Empty(journal.GetStats().Dropped);
        Assert.True(SegmentFiles().Length <= 2);
    }

    [Fact]
    public void GetStats_WithBacklog_ReportsItPerCursor()
    {
        using var journal = Open(Options(segmentBytes: FourPerSegment));
        journal.OpenCursor("file", CursorStart.Oldest);
        journal.OpenCursor("kinesis", CursorStart.Oldest);
        AppendMany(journal, 0, 6);
        journal.Ack("file", 5);
        journal.Ack("kinesis", 1);

        var stats = journal.GetStats();

        Assert.Equal(new CursorStats("file", 5, 0, null), stats.Cursors[0]);
        Assert.Equal(new CursorStats("kinesis", 1, 4, 2), stats.Cursors[1]);
        Assert.Equal(6, stats.RetainedRecords);
        Assert.Equal(5, stats.DurableSequence);
        Assert.Equal(6, stats.NextSequence);
    }
}
