using System.Text;
using System.Text.Json;
using FarmGateway.Journal;
using FarmGateway.Uplinks;

namespace FarmGateway.Tests.Uplinks;

public sealed class UplinkWorkerTests
{
    private static string Id(JournalRecord record) =>
        JsonDocument.Parse(record.Payload).RootElement.GetProperty("id").GetString()!;

    private static double Temperature(JournalRecord record) =>
        JsonDocument.Parse(record.Payload).RootElement.GetProperty("temperature").GetDouble();

    [Fact]
    public async Task Readings_AreDeliveredInOrderAsTheirRecords_AndTheCursorMovesPastThem()
    {
        var uplink = new RecordingUplink();
        await using var pipeline = new PipelineHarness(uplink);
        await pipeline.StartAsync();

        pipeline.Produce(5);

        await Eventually.True(() => uplink.Delivered.Count == 5, "5 records delivered");
        await Eventually.True(() => pipeline.Backlog("test") == 0, "cursor acknowledged");
        Assert.Equal([20.0, 21, 22, 23, 24], uplink.Delivered.Select(Temperature));
        Assert.Equal(uplink.Delivered.Select(r => $"barn-1:{r.Epoch}:{r.Sequence:D12}"), uplink.Delivered.Select(Id));
        Assert.Equal(5, pipeline.Counters.Accepted);
        Assert.Equal(UplinkState.Connected, pipeline.Statuses.All.Single().State);
    }

    [Fact]
    public async Task UplinkFailing_CursorStays_AndTheSameRecordsAreSentAfterTheBackoff()
    {
        var uplink = new RecordingUplink { FailuresLeft = 2 };
        await using var pipeline = new PipelineHarness(uplink);
        await pipeline.StartAsync();
        pipeline.Produce(3);

        await Eventually.True(() => uplink.Attempts == 1, "first attempt");
        var status = pipeline.Statuses.All.Single();
        Assert.Equal(UplinkState.BackingOff, status.State);
        Assert.Equal("503 Service Unavailable", status.LastError);
        Assert.Equal(3, pipeline.Backlog("test"));
        var producedAt = pipeline.Time.GetUtcNow();
        pipeline.Time.Advance(TimeSpan.FromSeconds(0.5));
        var snapshot = new FarmGateway.Status.GatewayStatus(pipeline.Counters, pipeline.Journal, pipeline.Statuses, new FarmGateway.Sources.SensorHealthRegistry(), pipeline.Options, pipeline.Time)
            .Snapshot().Uplinks.Single();
        Assert.Equal((UplinkState.BackingOff, 3L, 1L), (snapshot.State, snapshot.Backlog, snapshot.FailedAttempts));
        Assert.Equal(pipeline.Time.GetUtcNow() - producedAt, snapshot.OldestUnsentAge);

        pipeline.Time.Advance(TimeSpan.FromSeconds(0.7)); // first backoff: 1 s ± 20 %
        await Eventually.True(() => uplink.Attempts == 2, "second attempt");
        Assert.Equal(3, pipeline.Backlog("test"));
        pipeline.Time.Advance(TimeSpan.FromSeconds(2.4)); // then 2 s ± 20 %

        await Eventually.True(() => uplink.Delivered.Count == 3, "delivered after the outage");
        await Eventually.True(() => pipeline.Backlog("test") == 0, "cursor acknowledged");
        Assert.Equal([0L, 1, 2], uplink.Delivered.Select(r => r.Sequence));
        Assert.Equal(2, status.FailedAttempts);
        Assert.Equal(UplinkState.Connected, status.State);
    }

    [Fact]
    public async Task Backoff_WhileFailing_WaitsLongerEachTimeUpToTheCap()
    {
        var uplink = new RecordingUplink { FailuresLeft = int.MaxValue };
        await using var pipeline = new PipelineHarness(uplink);
        await pipeline.StartAsync();
        pipeline.Produce(1);
        await Eventually.True(() => uplink.Attempts == 1, "first attempt");

        // Ten minutes of outage: 1+2+4+8+16+32 s, then every 60 s (± 20 %): far fewer than 600 tries.
        for (var second = 0; second < 600; second++)
        {
            pipeline.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }

        await Eventually.True(() => uplink.Attempts >= 10, "retries keep coming");
        Assert.InRange(uplink.Attempts, 10, 20);
        Assert.Equal(1, pipeline.Backlog("test"));
    }

    [Fact]
    public async Task Stop_DeliversWhatTheJournalTookLast_AndDisposesTheUplink()
    {
        var uplink = new RecordingUplink();
        await using var pipeline = new PipelineHarness(uplink);
        await pipeline.StartAsync();

        pipeline.Produce(50);
        await pipeline.StopAsync();

        Assert.Equal(50, uplink.Delivered.Count);
        Assert.Equal(0, pipeline.Backlog("test"));
        Assert.True(uplink.Disposed);
    }

    [Fact]
    public async Task GroupCommit_RecordsAreNeitherAcceptedNorSentBeforeTheFsync()
    {
        var uplink = new RecordingUplink();
        await using var pipeline = new PipelineHarness(uplink, flushInterval: TimeSpan.FromSeconds(1));
        await pipeline.StartAsync();
        pipeline.Time.Advance(TimeSpan.FromSeconds(5)); // a quiet start: the next append is flushed when due

        pipeline.Produce(2);
        await Eventually.True(() => pipeline.Journal.NextSequence >= 2, "2 appended");
        var sentEarly = uplink.Delivered.Count;

        pipeline.Time.Advance(TimeSpan.FromSeconds(1));

        await Eventually.True(() => uplink.Delivered.Count == 2 && pipeline.Counters.Accepted == 2, "sent once durable");
        Assert.True(sentEarly <= pipeline.Journal.DurableSequence + 1);
    }

    [Fact]
    public async Task NewUplink_StartsAtTheOldestRecord_AndAnUnacknowledgedRecordIsSentAgainAfterARestart()
    {
        var keep = new TempDirectory();
        var failing = new RecordingUplink("file") { FailuresLeft = int.MaxValue };
        var pipelineA = new PipelineHarness(failing, dir: keep);
        await pipelineA.StartAsync();
        pipelineA.Produce(3);
        await Eventually.True(() => failing.Attempts >= 1, "an attempt");
        await pipelineA.StopAsync();
        pipelineA.Worker.Dispose();
        pipelineA.JournalService.Dispose();
        pipelineA.Journal.Dispose();

        var working = new RecordingUplink("file");
        var late = new RecordingUplink("late");
        await using var pipelineB = new PipelineHarness(working, dir: keep);
        await pipelineB.StartAsync();
        await Eventually.True(() => working.Delivered.Count == 3, "the backlog after the restart");
        Assert.Equal([0L, 1, 2], working.Delivered.Select(r => r.Sequence));

        // A second uplink configured later starts at the oldest record still on disk.
        var worker = new UplinkWorker(late, pipelineB.Statuses, pipelineB.Journal, pipelineB.JournalService, pipelineB.Options,
            FarmGateway.Storage.AppendFile.Open, pipelineB.Time, Microsoft.Extensions.Logging.Abstractions.NullLogger<UplinkWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);
        await Eventually.True(() => late.Delivered.Count == 3, "the new uplink gets the retained records");
        await pipelineB.StopAsync(); // the journal drains first, as in the host
        await worker.StopAsync(CancellationToken.None);
        worker.Dispose();
    }
}
