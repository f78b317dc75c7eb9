using System.Text.Json;
using FarmGateway.Journal;
using FarmGateway.Uplinks;
using Microsoft.Extensions.Logging;

namespace FarmGateway.Tests.Uplinks;

/// <summary>
/// What the worker does with each answer of the far side: partial failures, refused records,
/// refused and too-large requests, configuration errors, throttling, batching by time, and the
/// live lane during a backlog drain. Every case checks that nothing accepted is lost and that
/// the cursor never passes a record that was neither delivered nor quarantined.
/// </summary>
public sealed class UplinkWorkerOutcomeTests
{
    private static long[] Sequences(IEnumerable<JournalRecord> records) => [.. records.Select(r => r.Sequence)];

    private static RecordFailure Fail(int index, RecordFailureKind kind = RecordFailureKind.Throttled) =>
        new(index, kind, kind == RecordFailureKind.Rejected ? "ValidationException: bad record" : "ProvisionedThroughputExceededException: Rate exceeded for shard shardId-000000000000");

    private static List<JsonElement> QuarantineLines(PipelineHarness pipeline, string uplink = "test")
    {
        var path = Path.Combine(pipeline.Directory, "quarantine", uplink + ".ndjson");
        return System.IO.File.Exists(path)
            ? [.. System.IO.File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement)]
            : [];
    }

    private static long Acked(PipelineHarness pipeline) => pipeline.Journal.GetStats().Cursors.Single(c => c.Name == "test").Acked;

    [Fact]
    public async Task PartialFailure_OnlyTheRefusedRecordsAreSentAgain_AndEachIsDeliveredOnce()
    {
        var uplink = new RecordingUplink
        {
            MaxBatchRecords = 5,
            Script = (batch, attempt) => attempt == 1
                ? new SendResult([Fail(1), Fail(3, RecordFailureKind.Retry)])
                : SendResult.AllDelivered,
        };
        await using var pipeline = new PipelineHarness(uplink, flushInterval: TimeSpan.FromSeconds(1));
        await pipeline.StartAsync();
        await pipeline.ProduceAndCommitAsync(5, TimeSpan.FromSeconds(1));

        await pipeline.AdvanceUntil(() => uplink.Delivered.Count == 5, "all five delivered"); // throttled: the pacer spaces requests
        Assert.Equal([0L, 1, 2, 3, 4], Sequences(uplink.Requests[0]));
        Assert.Equal([1L, 3], Sequences(uplink.Requests[1]));
        Assert.Equal([0L, 1, 2, 3, 4], Sequences(uplink.Delivered).Order());
        await Eventually.True(() => pipeline.Backlog("test") == 0, "cursor past all five");
        var status = pipeline.Statuses.All.Single();
        Assert.Equal((5L, 2L, 0L), (status.Sent, status.Retried, status.Quarantined));
    }

    [Fact]
    public async Task RecordThatKeepsFailing_HoldsTheCursor_WhileTheRecordsAfterItAreDelivered()
    {
        var stillFailing = true;
        var uplink = new RecordingUplink
        {
            MaxBatchRecords = 10,
            Script = (batch, _) => Volatile.Read(ref stillFailing) && batch[0].Sequence == 0
                ? new SendResult([Fail(0, RecordFailureKind.Retry)])
                : SendResult.AllDelivered,
        };
        await using var pipeline = new PipelineHarness(uplink, flushInterval: TimeSpan.FromSeconds(1));
        await pipeline.StartAsync();
        await pipeline.ProduceAndCommitAsync(4, TimeSpan.FromSeconds(1));

        await Eventually.True(() => uplink.Delivered.Count == 3, "records 1-3 delivered");
        await Eventually.True(() => uplink.Attempts >= 2, "record 0 tried again");
        Assert.Equal(-1, Acked(pipeline)); // record 0 is not delivered: the cursor may not move
        Assert.Equal(4, pipeline.Backlog("test"));
        Assert.All(uplink.Requests.Skip(1), r => Assert.Equal([0L], Sequences(r)));

        Volatile.Write(ref stillFailing, false);
        // The backoff timer may be armed a moment after the failed attempt: move the clock in steps.
        await pipeline.AdvanceUntil(() => uplink.Delivered.Count == 4, "record 0 delivered after the backoff", stepSeconds: 0.5);
        await Eventually.True(() => Acked(pipeline) == 3, "cursor past all four");
        Assert.Equal([1L, 2, 3, 0], Sequences(uplink.Delivered));
    }

    [Fact]
    public async Task RefusedRecord_IsQuarantinedWithTheReason_NeverResent_AndTheCursorMovesOn()
    {
        var uplink = new RecordingUplink
        {
            MaxBatchRecords = 5,
            Script = (batch, _) => new SendResult([.. batch.Select((r, i) => (r, i)).Where(x => x.r.Sequence == 2).Select(x => Fail(x.i, RecordFailureKind.Rejected))]),
        };
        await using var pipeline = new PipelineHarness(uplink, flushInterval: TimeSpan.FromSeconds(1));
        await pipeline.StartAsync();
        await pipeline.ProduceAndCommitAsync(5, TimeSpan.FromSeconds(1));

        await Eventually.True(() => pipeline.Backlog("test") == 0, "cursor past all five");
        Assert.Single(uplink.Requests);
        Assert.Equal([0L, 1, 3, 4], Sequences(uplink.Delivered));
        var line = Assert.Single(QuarantineLines(pipeline));
        Assert.Equal("ValidationException: bad record", line.GetProperty("reason").GetString());
        Assert.Equal(2, line.GetProperty("seq").GetInt64());
        Assert.Equal(22.0, line.GetProperty("record").GetProperty("temperature").GetDouble());
        Assert.Equal(1, pipeline.Statuses.All.Single().Quarantined);
        Assert.Contains(pipeline.Logger.Events, e => e.Id.Id == 4105 && e.Message.Contains("ValidationException"));
    }

    [Fact]
    public async Task QuarantineCannotBeWritten_TheRefusedRecordHoldsTheCursor_UntilItCanBe()
    {
        var uplink = new RecordingUplink
        {
            MaxBatchRecords = 5,
            Script = (batch, _) => new SendResult([.. batch.Select((r, i) => (r, i)).Where(x => x.r.Sequence == 1).Select(x => Fail(x.i, RecordFailureKind.Rejected))]),
        };
        await using var pipeline = new PipelineHarness(uplink, flushInterval: TimeSpan.FromSeconds(1));
        var blocker = Path.Combine(pipeline.Directory, "quarantine");
        System.IO.File.WriteAllText(blocker, "a file where the quarantine folder should be"); // like a full or broken disk
        await pipeline.StartAsync();
        await pipeline.ProduceAndCommitAsync(3, TimeSpan.FromSeconds(1));

        await Eventually.True(() => uplink.Delivered.Count == 2, "the other records delivered");
        await Eventually.True(() => pipeline.Statuses.All.Single().State == UplinkState.BackingOff, "backing off");
        Assert.Contains("quarantine", pipeline.Statuses.All.Single().LastError);
        Assert.Equal(-1, Acked(pipeline)); // record 1 is neither delivered nor safely quarantined

        System.IO.File.Delete(blocker);
        await pipeline.AdvanceUntil(() => pipeline.Backlog("test") == 0, "cursor past all three once the quarantine is written");
        Assert.Equal(1, Assert.Single(QuarantineLines(pipeline)).GetProperty("seq").GetInt64());
        Assert.Single(uplink.Requests); // the refused record was not sent again
    }

    [Fact]
    public async Task JournalCannotBeRead_TheWorkerBacksOffAndSaysWhy_InsteadOfStopping()
    {
        var uplink = new RecordingUplink();
        await using var pipeline = new PipelineHarness(uplink);
        await pipeline.StartAsync();
        pipeline.Produce(1);
        await Eventually.True(() => uplink.Delivered.Count == 1, "first record delivered");

        // The segment file becomes unreadable (here: a folder in its place, as root ignores modes).
        var segment = Directory.GetFiles(Path.Combine(pipeline.Directory, "journal"), "*.seg").Single();
        System.IO.File.Delete(segment);
        Directory.CreateDirectory(segment);
        pipeline.Produce(1);

        var status = pipeline.Statuses.All.Single();
        await Eventually.True(() => status.State == UplinkState.BackingOff, "backing off", context: () => $"{status.State} {status.LastError}");
        Assert.StartsWith("cannot read the journal", status.LastError);
        Assert.False(pipeline.Worker.ExecuteTask!.IsCompleted); // still running, retrying with backoff
        Directory.Delete(segment);
    }

    [Theory]
    [InlineData(UplinkFailure.Rejected)]
    [InlineData(UplinkFailure.TooLarge)]
    public async Task RefusedRequest_IsHalvedUntilTheBadRecordIsAlone_WhichIsQuarantined(UplinkFailure failure)
    {
        var uplink = new RecordingUplink
        {
            MaxBatchRecords = 8,
            Script = (batch, _) => batch.Any(r => r.Sequence == 5)
                ? throw new UplinkException(failure, "400 SerializationException: record 5 is not what we expect")
                : SendResult.AllDelivered,
        };
        await using var pipeline = new PipelineHarness(uplink, flushInterval: TimeSpan.FromSeconds(1));
        await pipeline.StartAsync();
        await pipeline.ProduceAndCommitAsync(8, TimeSpan.FromSeconds(1));

        await Eventually.True(() => pipeline.Backlog("test") == 0, "cursor past all eight");
        Assert.Equal([0L, 1, 2, 3, 4, 6, 7], Sequences(uplink.Delivered).Order());
        Assert.Equal(7, uplink.Delivered.Count); // none twice
        Assert.Equal(8, uplink.Requests[0].Count);
        Assert.True(uplink.Requests.Count <= 7, $"found the bad record by halving, in {uplink.Requests.Count} requests");
        var line = Assert.Single(QuarantineLines(pipeline));
        Assert.Equal(5, line.GetProperty("seq").GetInt64());
        Assert.Contains("SerializationException", line.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task RecordOverTheSizeLimit_IsQuarantinedWithoutBeingSent()
    {
        var uplink = new RecordingUplink
        {
            MaxBatchRecords = 5,
            MaxRecordBytes = 1000,
            Wire = r => r.Sequence == 1 ? 5000 : r.Payload.Length,
        };
        await using var pipeline = new PipelineHarness(uplink, flushInterval: TimeSpan.FromSeconds(1));
        await pipeline.StartAsync();
        await pipeline.ProduceAndCommitAsync(3, TimeSpan.FromSeconds(1));

        await Eventually.True(() => pipeline.Backlog("test") == 0, "cursor past all three");
        Assert.DoesNotContain(uplink.Requests.SelectMany(r => r), r => r.Sequence == 1);
        Assert.Equal([0L, 2], Sequences(uplink.Delivered));
        var line = Assert.Single(QuarantineLines(pipeline));
        Assert.Contains("5000 bytes", line.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Misconfigured_ShowsInStatus_LogsOneError_AndRetriesSlowly_UntilFixed()
    {
        var fixedNow = false;
        var uplink = new RecordingUplink
        {
            Script = (_, _) => Volatile.Read(ref fixedNow)
                ? SendResult.AllDelivered
                : throw new UplinkException(UplinkFailure.Misconfigured, "stream farm-sensor-stream not found in eu-west-1"),
        };
        await using var pipeline = new PipelineHarness(uplink);
        await pipeline.StartAsync();
        pipeline.Produce(2);

        await Eventually.True(() => uplink.Attempts == 1, "first attempt");
        var status = pipeline.Statuses.All.Single();
        Assert.Equal(UplinkState.Misconfigured, status.State);
        Assert.Contains("not found", status.LastError);
        pipeline.Time.Advance(TimeSpan.FromSeconds(20)); // well under the slow schedule's 30 s - 20 %
        await Task.Delay(50);
        Assert.Equal(1, uplink.Attempts);
        pipeline.Time.Advance(TimeSpan.FromSeconds(20));
        await Eventually.True(() => uplink.Attempts == 2, "second attempt after about 30 s");
        Assert.Single(pipeline.Logger.Messages(4104)); // one error line, not one per attempt
        Assert.Equal(LogLevel.Error, pipeline.Logger.Events.Single(e => e.Id.Id == 4104).Level);
        Assert.Equal(2, pipeline.Backlog("test"));

        Volatile.Write(ref fixedNow, true);
        pipeline.Time.Advance(TimeSpan.FromSeconds(75)); // second delay: 60 s + 20 %
        await Eventually.True(() => uplink.Delivered.Count == 2, "delivered once fixed");
        await Eventually.True(() => status.State == UplinkState.Connected, "connected");
        Assert.Single(pipeline.Logger.Messages(4102));
    }

    [Fact]
    public async Task Throttled_SlowsTheSendingRate_AndHonoursRetryAfter()
    {
        var uplink = new RecordingUplink
        {
            MaxBatchRecords = 2,
            Script = (_, attempt) => attempt == 1
                ? throw new UplinkException(UplinkFailure.Throttled, "429 Too Many Requests", retryAfter: TimeSpan.FromSeconds(20))
                : SendResult.AllDelivered,
        };
        await using var pipeline = new PipelineHarness(uplink, flushInterval: TimeSpan.FromSeconds(1));
        await pipeline.StartAsync();
        await pipeline.ProduceAndCommitAsync(2, TimeSpan.FromSeconds(1));

        await Eventually.True(() => uplink.Attempts == 1, "first attempt");
        await Eventually.True(() => pipeline.Statuses.All.Single().PaceLimit is not null, "paced after throttling");
        pipeline.Time.Advance(TimeSpan.FromSeconds(5)); // past the 1 s backoff, not past Retry-After
        await Task.Delay(50);
        Assert.Equal(1, uplink.Attempts);
        pipeline.Time.Advance(TimeSpan.FromSeconds(15.5));
        await pipeline.AdvanceUntil(() => uplink.Delivered.Count == 2, "sent after Retry-After");
        Assert.Equal(2, uplink.Attempts);
    }

    [Fact]
    public async Task BatchInterval_GathersReadingsIntoOneRequest_AndAFullBatchGoesAtOnce()
    {
        var uplink = new RecordingUplink { MaxBatchRecords = 4, BatchInterval = TimeSpan.FromSeconds(5) };
        await using var pipeline = new PipelineHarness(uplink);
        await pipeline.StartAsync();
        pipeline.Produce(2);
        await Eventually.True(() => pipeline.Journal.DurableSequence == 1, "durable");
        pipeline.Time.Advance(TimeSpan.FromSeconds(3));
        pipeline.Produce(1);
        await Eventually.True(() => pipeline.Journal.DurableSequence == 2, "durable");
        pipeline.Time.Advance(TimeSpan.FromSeconds(1));
        await Task.Delay(50);
        Assert.Empty(uplink.Requests);

        await pipeline.AdvanceUntil(() => uplink.Requests.Count == 1, "sent at the batch interval", stepSeconds: 0.1, maxSteps: 30);
        Assert.Equal([0L, 1, 2], Sequences(uplink.Requests[0]));

        pipeline.Produce(4); // a full batch does not wait
        await Eventually.True(() => uplink.Requests.Count == 2, "full batch sent at once");
        Assert.Equal(4, uplink.Requests[1].Count);
    }

    [Fact]
    public async Task Stop_SendsWhatIsWaitingForTheBatchInterval()
    {
        var uplink = new RecordingUplink { BatchInterval = TimeSpan.FromMinutes(1) };
        var pipeline = new PipelineHarness(uplink);
        await pipeline.StartAsync();
        pipeline.Produce(3);
        await Eventually.True(() => pipeline.Journal.DurableSequence == 2, "durable");
        Assert.Empty(uplink.Requests);

        await pipeline.StopAsync();
        Assert.Equal([0L, 1, 2], Sequences(uplink.Delivered));
        Assert.Equal(0, pipeline.Backlog("test"));
        await pipeline.DisposeAsync();
    }

    [Fact]
    public async Task BacklogDrain_CurrentReadingsGoOutBesideTheBacklog_AndEveryRecordIsDeliveredOnce()
    {
        using var onTheWire = new SemaphoreSlim(0);
        var uplink = new RecordingUplink { MaxBatchRecords = 30, Gate = () => onTheWire.WaitAsync() };
        await using var pipeline = new PipelineHarness(uplink);
        try
        {
            await DrainWithCurrentReadings(pipeline, uplink, onTheWire);
        }
        finally
        {
            uplink.Gate = null; // never leave the worker's last pass waiting at the gate
            onTheWire.Release(1000);
        }
    }

    private static async Task DrainWithCurrentReadings(PipelineHarness pipeline, RecordingUplink uplink, SemaphoreSlim onTheWire)
    {
        await pipeline.StartAsync();
        pipeline.Produce(300);
        await Eventually.True(() => pipeline.Journal.DurableSequence == 299, "backlog durable");
        onTheWire.Release();
        await Eventually.True(() => pipeline.Statuses.All.Single().Draining, "draining with the live lane on");

        pipeline.Produce(3, first: 90); // readings of now, while 200+ old ones wait
        await Eventually.True(() => pipeline.Journal.DurableSequence == 302, "new readings durable");
        for (var i = 0; i < 40 && pipeline.Backlog("test") > 0; i++)
        {
            onTheWire.Release();
            await Eventually.True(() => uplink.Requests.Count >= i + 2 || pipeline.Backlog("test") == 0, "next request");
        }

        await Eventually.True(() => pipeline.Backlog("test") == 0, "all acknowledged");
        var order = Sequences(uplink.Delivered).ToList();
        Assert.Equal(Enumerable.Range(0, 303).Select(i => (long)i), order.Order());
        Assert.All([300L, 301, 302], current => Assert.True(order.IndexOf(current) < order.IndexOf(200),
            $"reading {current} delivered before the backlog's 200: {string.Join(",", order)}"));
        Assert.True(uplink.Requests.All(r => r.Count <= 30));
        Assert.False(pipeline.Statuses.All.Single().Draining);
    }
}
