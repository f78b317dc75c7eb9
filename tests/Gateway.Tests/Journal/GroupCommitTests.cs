using FarmGateway.Journal;

namespace FarmGateway.Tests.Journal;

/// <summary>Group commit: one fsync per FlushInterval; a record is accepted only once durable.</summary>
public sealed class GroupCommitTests : JournalTestKit
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void Append_BeforeFlushIntervalElapsed_IsNotDurableNorReadable()
    {
        using var journal = Open(Options(flushInterval: Second));
        journal.OpenCursor("file", CursorStart.Oldest);

        journal.Append(Payload(0));
        Time.Advance(TimeSpan.FromMilliseconds(999));

        Assert.Equal(-1, journal.DurableSequence);
        Assert.Empty(journal.Read("file", 10, long.MaxValue));
        Assert.False(journal.FlushIfDue());
    }

    [Fact]
    public void Append_WhenFlushIntervalElapses_TheTimerMakesItDurable()
    {
        using var journal = Open(Options(flushInterval: Second));
        journal.OpenCursor("file", CursorStart.Oldest);
        journal.Append(Payload(0));
        journal.Append(Payload(1));

        Time.Advance(Second);

        Assert.Equal(1, journal.DurableSequence);
        Assert.Equal([0L, 1L], ReadAll(journal, "file"));
    }

    [Fact]
    public void Flush_BeforeTheInterval_MakesEverythingAppendedDurableNow()
    {
        using var journal = Open(Options(flushInterval: Second));
        AppendMany(journal, 0, 3);

        journal.Flush();

        Assert.Equal(2, journal.DurableSequence);
    }

    [Fact]
    public void Append_AfterIdleLongerThanFlushInterval_IsDurableOneIntervalLater()
    {
        // The deadline is per record (the oldest unsynced one), not "FlushInterval since the
        // last fsync": the first record after an idle spell waits for company in its page.
        using var journal = Open(Options(flushInterval: Second));
        Time.Advance(2 * Second);

        journal.Append(Payload(0));
        Assert.Equal(-1, journal.DurableSequence);
        Time.Advance(Second);

        Assert.Equal(0, journal.DurableSequence);
    }

    [Fact]
    public void Append_ZeroFlushInterval_IsDurableWhenAppendReturns()
    {
        using var journal = Open(Options(flushInterval: TimeSpan.Zero));

        var sequence = journal.Append(Payload(0));

        Assert.Equal(sequence, journal.DurableSequence);
        Assert.True(journal.WaitDurableAsync(sequence).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task WaitDurableAsync_PendingRecord_CompletesAtTheNextGroupCommit()
    {
        using var journal = Open(Options(flushInterval: Second));
        var sequence = journal.Append(Payload(0));
        var durable = journal.WaitDurableAsync(sequence);
        Assert.False(durable.IsCompleted);

        Time.Advance(Second);

        await durable.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(sequence, journal.DurableSequence);
    }

    [Fact]
    public async Task WaitDurableAsync_Cancelled_IsCancelled()
    {
        using var journal = Open(Options(flushInterval: Second));
        var sequence = journal.Append(Payload(0));
        using var cancel = new CancellationTokenSource();
        var durable = journal.WaitDurableAsync(sequence, cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => durable);
    }

    [Fact]
    public async Task Dispose_WithPendingWaiter_FlushesAndCompletesIt()
    {
        var journal = Open(Options(flushInterval: Second));
        var durable = journal.WaitDurableAsync(journal.Append(Payload(0)));

        journal.Dispose();

        await durable.WaitAsync(TimeSpan.FromSeconds(10));
        using var reopened = Open();
        Assert.Equal(1, reopened.NextSequence);
    }

    [Fact]
    public void Append_PastSegmentBytes_TheRolledSegmentIsDurable()
    {
        using var journal = Open(Options(segmentBytes: FourPerSegment, flushInterval: Second));

        AppendMany(journal, 0, 5);

        Assert.Equal(3, journal.DurableSequence);
    }
}
