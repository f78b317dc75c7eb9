using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FarmGateway.IntegrationTests.Testing;
using FarmGateway.Uplinks;

namespace FarmGateway.IntegrationTests.Kinesis;

/// <summary>
/// End to end: readings go queue -> journal -> worker -> Kinesis uplink -> kinesalite, with
/// faults injected on the wire, and every test proves from the stream itself (GetRecords) that
/// nothing the journal accepted is lost, that only what failed is sent again, and that the
/// journal cursor never passes a record that is not in the stream.
/// </summary>
public sealed partial class KinesisDeliveryTests(Kinesalite kinesalite) : IClassFixture<Kinesalite>, IAsyncLifetime
{
    private const string Throughput = "ProvisionedThroughputExceededException";

    private readonly string _stream = "farm-e2e-" + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => kinesalite.CreateStreamAsync(_stream, shards: 2);

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<KinesisPipeline> StartAsync(Action<Uplinks.Kinesis.KinesisUplinkOptions>? change = null) =>
        KinesisPipeline.StartAsync(kinesalite, _stream, change);

    /// <summary>How often each sequence appears in <paramref name="sequences"/>.</summary>
    private static Dictionary<long, int> Count(IEnumerable<long> sequences) =>
        sequences.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());

    private static void AssertSentOnceEach_PlusTheResends(KinesisPipeline pipeline, IEnumerable<long> resent)
    {
        var expected = Count(Enumerable.Range(0, (int)pipeline.Produced).Select(i => (long)i).Concat(resent));
        var sent = Count(pipeline.Faults.Sent);
        Assert.Equal(expected.OrderBy(e => e.Key), sent.OrderBy(e => e.Key));
    }

    // 1, 2: Kinesis takes part of a request.

    /// <summary>Sequence 1 fails three times in a row, ...7 twice, every 4th once; and request 3 fails as a whole (nothing of it taken).</summary>
    private static int PlannedRecordFailures(long sequence) => sequence == 1 ? 3 : sequence % 10 == 7 ? 2 : sequence % 4 == 1 ? 1 : 0;

    [Theory]
    [InlineData(Throughput)]
    [InlineData("InternalFailure")]
    public async Task PerRecordFailures_OnlyTheFailedRecordsAreSentAgain_AndEveryReadingArrivesExactlyOnce(string errorCode)
    {
        await using var pipeline = await StartAsync();
        var sends = new Dictionary<long, int>();
        var wholeRequestsFailed = 0;
        pipeline.Faults.Plan = call =>
        {
            var errors = new Dictionary<int, string>();
            for (var i = 0; i < call.Records.Count; i++)
            {
                var sequence = call.Records[i].Sequence;
                var send = sends[sequence] = sends.GetValueOrDefault(sequence) + 1;
                if (send <= PlannedRecordFailures(sequence) || call.Number == 3) errors[i] = errorCode;
            }
            if (errors.Count == call.Records.Count) wholeRequestsFailed++;
            return errors.Count == 0 ? KinesisFault.None : new KinesisFault.RecordErrors(errors);
        };

        await pipeline.ProduceAsync(30);
        await pipeline.RunUntilDeliveredAsync();
        await pipeline.ProduceAsync(30); // more readings once the first ones went through
        await pipeline.RunUntilDeliveredAsync();

        await pipeline.AssertNothingLostAsync(exactlyOnce: true);
        var failed = pipeline.Faults.Failed;
        var failures = Count(failed);
        Assert.All(Enumerable.Range(0, 60), s => Assert.True(failures.GetValueOrDefault(s) >= PlannedRecordFailures(s), $"sequence {s} failed as planned"));
        Assert.Equal(pipeline.Produced + failed.Count, pipeline.Faults.Sent.Count);
        AssertSentOnceEach_PlusTheResends(pipeline, failed); // the resent records are exactly the failed ones
        Assert.True(wholeRequestsFailed >= 1, "request 3: nothing of it went through");
        var status = pipeline.Status;
        Assert.Equal((60L, (long)failed.Count, (long)wholeRequestsFailed, 0L), (status.Sent, status.Retried, status.FailedAttempts, status.Quarantined));
        Assert.Equal(UplinkState.Connected, status.State);
    }

    // 3: the whole request fails.

    [Theory]
    [InlineData(500, 1)] // one 500: the quick retry inside the uplink takes it
    [InlineData(500, 3)] // the quick retries fail too: the worker backs off and resends
    [InlineData(503, 3)]
    public async Task ServerError_BeforeKinesisWroteTheRecords_TheBatchIsSentAgain_AndEveryReadingArrivesExactlyOnce(int status, int failedCalls)
    {
        await using var pipeline = await StartAsync();
        pipeline.Faults.Plan = call => call.Number <= failedCalls
            ? new KinesisFault.Answer((HttpStatusCode)status, status == 500 ? "InternalFailure" : "ServiceUnavailable")
            : KinesisFault.None;

        await pipeline.ProduceAsync(30);
        await pipeline.RunUntilDeliveredAsync();

        await pipeline.AssertNothingLostAsync(exactlyOnce: true);
        var calls = pipeline.Faults.Calls;
        var first = calls[0].Sequences.ToList();
        Assert.All(calls.Take(failedCalls), c => Assert.Equal(first, c.Sequences)); // the same batch, resent whole
        AssertSentOnceEach_PlusTheResends(pipeline, calls.Take(failedCalls).SelectMany(c => c.Sequences));
        var worker = pipeline.Status;
        var workerFailed = failedCalls > Uplinks.Kinesis.KinesisClient.QuickRetries;
        Assert.Equal(workerFailed ? 1 : 0, worker.FailedAttempts);
        Assert.Equal(workerFailed ? first.Count : 0, worker.Retried);
        Assert.Equal(pipeline.Produced, worker.Sent);
        if (workerFailed)
        {
            Assert.Contains(status == 500 ? "InternalFailure" : "ServiceUnavailable", worker.LastError);
            Assert.True(calls[failedCalls].At - calls[failedCalls - 1].At >= TimeSpan.FromSeconds(0.8), "the worker waited its backoff before resending");
        }
    }

    [Fact]
    public async Task ServerError_AfterKinesisWroteTheRecords_TheResendDuplicatesThemWithIdenticalBytesAndIds()
    {
        await using var pipeline = await StartAsync();
        pipeline.Faults.Plan = call => call.Number == 1
            ? new KinesisFault.Answer(HttpStatusCode.InternalServerError, "InternalFailure", AfterForwarding: true)
            : KinesisFault.None;

        await pipeline.ProduceAsync(30);
        await pipeline.RunUntilDeliveredAsync();

        var copies = await pipeline.AssertNothingLostAsync(exactlyOnce: false); // also: every copy has the journal's bytes
        var first = pipeline.Faults.Calls[0].Sequences.ToHashSet();
        Assert.Equal(first.Order(), copies.Where(c => c.Value > 1).Select(c => c.Key).Order());
        Assert.All(copies, c => Assert.Equal(first.Contains(c.Key) ? 2 : 1, c.Value));
        Assert.Equal(pipeline.Faults.Calls[0].Sequences, pipeline.Faults.Calls[1].Sequences);
        Assert.Equal(0, pipeline.Status.FailedAttempts); // the quick retry took it
    }

    // 4: Kinesis throttles the request as a whole.

    [Theory]
    [InlineData(Throughput)]
    [InlineData("ThrottlingException")]
    public async Task RequestThrottled_TheBatchIsSentAgainAfterABackoff_AtAPacedRate(string errorCode)
    {
        await using var pipeline = await StartAsync();
        pipeline.Faults.Plan = call => call.Number == 1 ? new KinesisFault.Answer(HttpStatusCode.BadRequest, errorCode) : KinesisFault.None;

        await pipeline.ProduceAsync(30);
        await Eventually.True(() => pipeline.Status is { FailedAttempts: 1, State: UplinkState.BackingOff, LastError: not null },
            "the throttled request shown as backing off", context: pipeline.Describe);
        Assert.Contains(errorCode, pipeline.Status.LastError);
        await Eventually.True(() => pipeline.Status.PaceLimit is not null, "a pace limit after throttling", context: pipeline.Describe);
        await pipeline.RunUntilDeliveredAsync();

        await pipeline.AssertNothingLostAsync(exactlyOnce: true);
        var calls = pipeline.Faults.Calls;
        Assert.True(calls[1].At - calls[0].At >= TimeSpan.FromSeconds(0.8), "not resent before the backoff (no quick retry of a throttled request)");
        AssertSentOnceEach_PlusTheResends(pipeline, calls[0].Sequences);
        Assert.Equal((1L, (long)calls[0].Records.Count), (pipeline.Status.FailedAttempts, pipeline.Status.Retried));
        Assert.Equal(UplinkState.Connected, pipeline.Status.State);
    }

    // 5: the session token expired.

    [Fact]
    public async Task ExpiredToken_TheCredentialsAreResolvedAgain_AndTheRequestIsResignedAndResentAtOnce()
    {
        await using var pipeline = await StartAsync();
        pipeline.Faults.Plan = call => call.Number == 1 ? new KinesisFault.Answer(HttpStatusCode.BadRequest, "ExpiredTokenException") : KinesisFault.None;

        await pipeline.ProduceAsync(30);
        await pipeline.RunUntilDeliveredAsync();

        await pipeline.AssertNothingLostAsync(exactlyOnce: true);
        var calls = pipeline.Faults.Calls;
        Assert.Equal(1, pipeline.Credentials.Invalidations);
        Assert.Contains($"Credential={RotatingCredentials.AccessKey(1)}/", calls[0].Authorization);
        Assert.Contains($"Credential={RotatingCredentials.AccessKey(2)}/", calls[1].Authorization); // resolved again after the invalidation
        Assert.True(calls[0].AmzDate != calls[1].AmzDate || calls[0].Authorization != calls[1].Authorization, "the resend is signed afresh");
        Assert.Equal(calls[0].Sequences, calls[1].Sequences);
        Assert.True(pipeline.Credentials.Resolves >= calls.Count, "credentials are resolved for every request");
        Assert.Equal(0, pipeline.Status.FailedAttempts); // re-signed inside the uplink: no backoff
        AssertSentOnceEach_PlusTheResends(pipeline, calls[0].Sequences);
        Assert.Contains(pipeline.UplinkLogger.Events, e => e.Id.Id == 4206 && e.Message.Contains("ExpiredTokenException"));
    }

    // 6: the connection breaks, or the answer does not come.

    [Theory]
    [InlineData("refused")]
    [InlineData("reset")]
    public async Task ConnectionError_TheBatchIsSentAgainAfterABackoff_AndEveryReadingArrivesExactlyOnce(string kind)
    {
        await using var pipeline = await StartAsync();
        Func<Exception> error = kind == "refused"
            ? () => new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:4567)", new SocketException((int)SocketError.ConnectionRefused))
            : () => new IOException("Unable to read data from the transport connection: Connection reset by peer.");
        pipeline.Faults.Plan = call => call.Number <= 1 + Uplinks.Kinesis.KinesisClient.QuickRetries ? new KinesisFault.Throw(error) : KinesisFault.None;

        await pipeline.ProduceAsync(30);
        await pipeline.RunUntilDeliveredAsync();

        await pipeline.AssertNothingLostAsync(exactlyOnce: true);
        var calls = pipeline.Faults.Calls;
        var failedCalls = 1 + Uplinks.Kinesis.KinesisClient.QuickRetries;
        AssertSentOnceEach_PlusTheResends(pipeline, calls.Take(failedCalls).SelectMany(c => c.Sequences));
        Assert.Equal((1L, (long)calls[0].Records.Count), (pipeline.Status.FailedAttempts, pipeline.Status.Retried));
        Assert.Contains(kind == "refused" ? "cannot connect" : "connection lost", pipeline.Status.LastError);
    }

    [Theory]
    [InlineData(false)] // the request never reached Kinesis
    [InlineData(true)] // Kinesis wrote the records, the answer came too late
    public async Task NoAnswerWithinRequestTimeout_TheBatchIsSentAgain_AndNothingIsLost(bool kinesisWroteIt)
    {
        await using var pipeline = await StartAsync(o => o.RequestTimeout = TimeSpan.FromSeconds(5));
        var hung = kinesisWroteIt ? 1 : 1 + Uplinks.Kinesis.KinesisClient.QuickRetries;
        pipeline.Faults.Plan = call => call.Number <= hung ? new KinesisFault.Hang(TimeSpan.FromMinutes(1), kinesisWroteIt) : KinesisFault.None;

        await pipeline.ProduceAsync(30);
        await pipeline.RunUntilDeliveredAsync();

        var copies = await pipeline.AssertNothingLostAsync(exactlyOnce: !kinesisWroteIt);
        var calls = pipeline.Faults.Calls;
        Assert.True(calls[1].At - calls[0].At >= TimeSpan.FromSeconds(5), "the attempt was given its full timeout");
        AssertSentOnceEach_PlusTheResends(pipeline, calls.Take(hung).SelectMany(c => c.Sequences));
        if (kinesisWroteIt)
        {
            Assert.All(copies, c => Assert.Equal(calls[0].Sequences.Contains(c.Key) ? 2 : 1, c.Value));
            Assert.Equal(0, pipeline.Status.FailedAttempts);
        }
        else
        {
            Assert.Equal(1, pipeline.Status.FailedAttempts);
            Assert.Contains("no answer within 5 s", pipeline.Status.LastError);
        }
    }

    // 7: the network is gone for minutes while the sensors keep reading.

    [Fact]
    public async Task FiveMinuteOutage_TheWorkerBacksOffUpToTheCap_ShowsIt_AndDeliversEveryReadingAfterwards()
    {
        await using var pipeline = await StartAsync(o => o.MaxBatchRecords = 20);
        await pipeline.ProduceAsync(10);
        await pipeline.RunUntilDeliveredAsync();

        var before = pipeline.Faults.Calls.Count;
        var outage = TimeSpan.FromMinutes(5);
        var start = pipeline.Time.GetUtcNow();
        pipeline.Faults.Plan = _ => new KinesisFault.Throw(() => new HttpRequestException(HttpRequestError.ConnectionError,
            "Connection refused (kinesis.eu-west-1.amazonaws.com:443)", new SocketException((int)SocketError.ConnectionRefused)));
        var tick = 0;
        await pipeline.RunUntilAsync(() => pipeline.Time.GetUtcNow() - start >= outage, "five minutes of outage on the fake clock",
            step: TimeSpan.FromMilliseconds(500), eachStep: () =>
            {
                if (tick++ % 2 == 0) pipeline.Produce(1); // a reading a second
            });
        await pipeline.AcceptedAsync();

        var status = pipeline.Status;
        Assert.Equal(UplinkState.BackingOff, status.State);
        Assert.Contains("cannot connect", status.LastError);
        Assert.NotNull(status.OldestUnsent);
        var attempts = pipeline.Faults.Calls.Skip(before).ToList();
        var failedAttempts = status.FailedAttempts;
        // 1 s doubling to 60 s, +-20 %: 9 to 12 attempts in five minutes; a spin would make thousands.
        Assert.InRange(failedAttempts, 5, 13);
        Assert.InRange(attempts.Count, failedAttempts * 3, (failedAttempts + 1) * 3); // each with the uplink's 2 quick retries
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => b.At - a.At).ToList();
        Assert.InRange(gaps.Max(), TimeSpan.FromSeconds(48), TimeSpan.FromSeconds(75)); // reached the 60 s cap, never beyond
        var backoffs = gaps.Where((_, i) => i % 3 == 2).ToList(); // from the last quick retry of an attempt to the next attempt
        Assert.InRange(backoffs[0], TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(3)); // starting at 1 s ...
        Assert.True(backoffs[0] < backoffs[3] && backoffs[3] < backoffs[6], $"... growing: {string.Join(", ", backoffs)}");
        Assert.Single(pipeline.WorkerLogger.Messages(4101)); // the state change is logged once, not per attempt
        Assert.True(pipeline.CursorStats.BacklogRecords >= 290, $"the journal holds the readings: {pipeline.CursorStats}");

        // The network is back; the sensors go on reading while the backlog drains (the live lane sends them beside it).
        var duringDrain = 0;
        pipeline.Faults.Plan = _ =>
        {
            if (Volatile.Read(ref duringDrain) < 20)
            {
                pipeline.Produce(1);
                Interlocked.Increment(ref duringDrain);
            }
            return KinesisFault.None;
        };
        await pipeline.RunUntilAsync(() => Volatile.Read(ref duringDrain) == 20 && pipeline.AllDelivered(),
            "the backlog and the readings taken meanwhile delivered", step: TimeSpan.FromMilliseconds(500));

        await pipeline.AssertNothingLostAsync(exactlyOnce: true);
        Assert.Equal((pipeline.Produced, failedAttempts), (pipeline.Status.Sent, pipeline.Status.FailedAttempts));
        Assert.Single(pipeline.WorkerLogger.Messages(4102)); // recovered, once
        var drain = pipeline.Faults.Calls.Skip(before + attempts.Count).ToList();
        Assert.Contains(drain, c => c.Sequences.Zip(c.Sequences.Skip(1), (a, b) => b - a).Any(d => d != 1)); // new readings went beside the backlog
    }

    // 8: the real gateway process.

    [Theory]
    [InlineData(false)] // Kinesis the only uplink
    [InlineData(true)] // beside the local outbox (the embedded default), which then must hold the same records
    public async Task GatewayProcess_WithKinesisEnabled_DeliversSchemaValidRecords_AndStopsCleanlyOnSigterm(bool fileUplink)
    {
        using var dir = new TempDirectory();
        using var gateway = GatewayProcess.Start(
        [
            $"--Gateway:DataDirectory={dir.Combine("data")}",
            "--Gateway:Id=e2e-barn",
            "--Gateway:Sensors:0:Interval=00:00:00.100",
            "--Gateway:Sensors:1:Interval=00:00:00.200",
            $"--Gateway:Uplinks:File:Enabled={fileUplink}",
            "--Gateway:Uplinks:Kinesis:Enabled=true",
            $"--Gateway:Uplinks:Kinesis:StreamName={_stream}",
            "--Gateway:Uplinks:Kinesis:Region=eu-west-1",
            $"--Gateway:Uplinks:Kinesis:ServiceUrl={kinesalite.Endpoint}",
            "--Gateway:Uplinks:Kinesis:BatchInterval=00:00:01",
        ], new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "AKIDE2EPROCESS0001",
            ["AWS_SECRET_ACCESS_KEY"] = "kinesaliteChecksNoSignature",
            ["AWS_EC2_METADATA_DISABLED"] = "true",
        });
        string Output() => $"stdout:\n{gateway.Stdout}\nstderr:\n{gateway.Stderr}";

        // Every hosted service has started once the gateway says it is ready; the Kinesis worker logs its start before that.
        await Eventually.True(() => gateway.Stdout.Contains(" ready: ") || gateway.HasExited, "the gateway ready", context: Output);
        Assert.True(gateway.Stdout.Contains("Uplink kinesis: delivering from the journal"),
            $"the Kinesis uplink worker did not start although Gateway:Uplinks:Kinesis:Enabled=true\n{Output()}");
        IReadOnlyList<KinesaliteRecord> stored = [];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((stored = await kinesalite.ReadAllAsync(_stream)).Count < 10)
        {
            if (DateTime.UtcNow > deadline || gateway.HasExited) Assert.Fail($"10 records did not arrive in the stream (found {stored.Count})\n{Output()}");
            await Task.Delay(100);
        }
        gateway.Signal("TERM");
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        stored = await kinesalite.ReadAllAsync(_stream);
        var schema = JsonSchemaValidator.FromFile(Path.Combine(RepositoryRoot.Path, "docs", "record-schema.v1.json"));
        var ids = new List<string>();
        foreach (var record in stored)
        {
            using var document = JsonDocument.Parse(record.Data);
            Assert.Empty(schema.Validate(document.RootElement));
            ids.Add(document.RootElement.GetProperty("id").GetString()!);
            Assert.Equal(document.RootElement.GetProperty("sensor").GetString(), record.PartitionKey);
        }
        Assert.Equal(ids.Count, ids.Distinct().Count()); // no fault, no repeat
        Assert.All(ids, id => Assert.StartsWith("e2e-barn:", id));
        Assert.Single(ids.Select(id => id.Split(':')[1]).Distinct()); // one journal epoch
        Assert.Equal(ids.Count, ids.Select(RecordIds.Sequence).Distinct().Count()); // one id per sequence

        // The last pass at shutdown delivered everything the gateway accepted.
        var accepted = int.Parse(AcceptedPattern().Match(gateway.Stdout).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(accepted, ids.Count);
        Assert.Equal(Enumerable.Range(0, accepted).Select(i => (long)i), ids.Select(RecordIds.Sequence).Order());
        if (fileUplink)
        {
            var outbox = Directory.GetFiles(dir.Combine("data", "outbox")).Order()
                .SelectMany(f => File.ReadAllText(f).Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();
            Assert.Equal(outbox.Order(StringComparer.Ordinal), stored.Select(r => Encoding.UTF8.GetString(r.Data)).Order(StringComparer.Ordinal));
        }
        Assert.DoesNotContain("[ERR]", gateway.Stdout);
        Assert.Equal("", gateway.Stderr);
    }

    [GeneratedRegex(@"stopped cleanly: \d+ sensor\(s\), (\d+) readings accepted")]
    private static partial Regex AcceptedPattern();
}
