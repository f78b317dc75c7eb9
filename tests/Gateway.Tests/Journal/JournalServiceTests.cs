using System.Text.Json;
using FarmGateway.Tests.Testing;
using FarmGateway.Tests.Uplinks;

namespace FarmGateway.Tests.Journal;

public sealed class JournalServiceTests
{
    [Fact]
    public async Task DiskFull_TheReadingIsHeldAndRetriedWithTheSameId_NothingAcceptedIsLost()
    {
        var disk = new FailingDisk();
        var uplink = new RecordingUplink();
        await using var pipeline = new PipelineHarness(uplink, disk: disk);
        await pipeline.StartAsync();
        pipeline.Produce(2);
        await Eventually.True(() => uplink.Delivered.Count == 2, "2 delivered");

        disk.Full = true;
        pipeline.Produce(3, first: 30);
        await Eventually.True(() => pipeline.Counters.WriteFailures >= 1, "the failed write is counted");
        Assert.Equal(2, pipeline.Counters.Accepted);

        disk.Full = false;
        pipeline.Time.Advance(TimeSpan.FromSeconds(1.2));

        await Eventually.True(() => uplink.Delivered.Count == 5, "all 5 after the disk has room");
        Assert.Equal([0L, 1, 2, 3, 4], uplink.Delivered.Select(r => r.Sequence));
        var ids = uplink.Delivered.Select(r => JsonDocument.Parse(r.Payload).RootElement.GetProperty("id").GetString()).ToList();
        Assert.Equal(5, ids.Distinct().Count());
        Assert.Equal(5, pipeline.Counters.Accepted);
        Assert.Empty(pipeline.Counters.Dropped);
    }

    [Fact]
    public async Task DiskFullOnAPageWrite_GroupCommit_TheReadingIsHeldAndRetried_NothingAcceptedIsLost()
    {
        // With a FlushInterval the journal buffers frames and writes whole pages: the append
        // that completes a page is the one that meets the full disk (it carries the frames of
        // the readings before it, which stay buffered in the journal).
        var disk = new FailingDisk();
        var uplink = new RecordingUplink();
        await using var pipeline = new PipelineHarness(uplink, flushInterval: TimeSpan.FromSeconds(1), disk: disk);
        await pipeline.StartAsync();
        disk.Full = true;

        pipeline.Produce(40);
        await Eventually.True(() => pipeline.Counters.WriteFailures >= 1, "a page write fails");
        var taken = pipeline.Journal.NextSequence;
        Assert.InRange(taken, 1, 39); // the frames before the failing page write were taken (buffered)
        Assert.Equal(0, pipeline.Counters.Accepted);
        Assert.Equal(-1, pipeline.Journal.DurableSequence);

        disk.Full = false;
        // The journal service counts a reading as accepted on its own loop, which may still be in
        // its disk-full backoff when the uplink already has the records: move the clock until both.
        for (var i = 0; i < 100 && (uplink.Delivered.Count < 40 || pipeline.Counters.Accepted < 40); i++)
        {
            pipeline.Time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(20);
        }

        await Eventually.True(() => uplink.Delivered.Count == 40, "all 40 after the disk has room");
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), uplink.Delivered.Select(r => r.Sequence));
        var ids = uplink.Delivered.Select(r => JsonDocument.Parse(r.Payload).RootElement.GetProperty("id").GetString()).ToList();
        Assert.Equal(40, ids.Distinct().Count());
        await Eventually.True(() => pipeline.Counters.Accepted == 40, "all 40 counted as accepted");
        Assert.Empty(pipeline.Counters.Dropped);
    }

    [Fact]
    public async Task Receipt_TellsTheSequenceTheReadingGot_SoItsProducerCanWaitUntilItIsDurable()
    {
        var uplink = new RecordingUplink();
        await using var pipeline = new PipelineHarness(uplink, flushInterval: TimeSpan.FromSeconds(1));
        await pipeline.StartAsync();
        pipeline.Produce(2);
        var receipt = new FarmGateway.Readings.ReadingReceipt();
        var reading = new FarmGateway.Readings.Reading("esp-barn1", "ESP32", pipeline.Time.GetUtcNow(), true, new Drivers.ClimateSample(19.5))
        {
            Receipt = receipt,
        };

        Assert.True(pipeline.Queue.TryAdd(reading));
        var sequence = await receipt.Appended.WaitAsync(TimeSpan.FromSeconds(10));
        var durable = pipeline.Journal.WaitDurableAsync(sequence);

        Assert.Equal(2, sequence);
        Assert.False(durable.IsCompleted); // group commit: not yet fsynced
        pipeline.Journal.Flush();
        await durable.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Records_CarryTheJournalEpochAndSequenceAsTheirId()
    {
        var uplink = new RecordingUplink();
        await using var pipeline = new PipelineHarness(uplink);
        await pipeline.StartAsync();

        pipeline.Produce(1);

        await Eventually.True(() => uplink.Delivered.Count == 1, "1 delivered");
        var record = uplink.Delivered[0];
        Assert.Equal($"barn-1:{pipeline.Journal.Epoch}:000000000000",
            JsonDocument.Parse(record.Payload).RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Start_CursorOfAnUplinkNoLongerConfigured_IsReleasedSoItHoldsNoSegmentsBack()
    {
        var uplink = new RecordingUplink("kinesis");
        await using var pipeline = new PipelineHarness(uplink);
        pipeline.Journal.OpenCursor("file", FarmGateway.Journal.CursorStart.Oldest);

        await pipeline.StartAsync();

        Assert.Equal(["kinesis"], pipeline.Journal.CursorNames);
    }
}
