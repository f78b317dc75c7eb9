using Amazon.Runtime;
using FarmGateway.Configuration;
using FarmGateway.Drivers;
using FarmGateway.Hosting;
using FarmGateway.IntegrationTests.Testing;
using FarmGateway.Journal;
using FarmGateway.Readings;
using FarmGateway.Status;
using FarmGateway.Storage;
using FarmGateway.Tests.Testing;
using FarmGateway.Uplinks;
using FarmGateway.Uplinks.Aws;
using FarmGateway.Uplinks.Kinesis;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FarmGateway.IntegrationTests.Kinesis;

/// <summary>
/// The real delivery path, wired as the host wires it: ReadingQueue -> JournalService ->
/// DiskJournal (temp folder, fsync per append) -> UplinkWorker -> KinesisUplink -> signing ->
/// <see cref="KinesisFaultHandler"/> -> SocketsHttpHandler -> kinesalite. Everything but the
/// sockets runs on one fake clock, so backoffs and outages of minutes pass in milliseconds; the
/// clock stands still while a request is with kinesalite, so an attempt timeout never fires
/// because the machine is slow.
/// </summary>
public sealed class KinesisPipeline : IAsyncDisposable
{
    public const string Cursor = "kinesis";
    private const string VerifyCursor = "e2e-verify";
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the handler must have been quiet before the clock moves: the worker has dealt with the last answer.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(3);

    private readonly TempDirectory _dir = new();
    private readonly Kinesalite _kinesalite;
    private long _produced;
    private bool _stopped;

    private KinesisPipeline(Kinesalite kinesalite, string stream, Action<KinesisUplinkOptions>? change)
    {
        _kinesalite = kinesalite;
        Stream = stream;
        Options = Microsoft.Extensions.Options.Options.Create(TestOptions.Gateway(_dir.Path, o => o.Journal.FlushInterval = TimeSpan.Zero));
        Journal = DiskJournal.Open(_dir.Combine("journal"), Options.Value.Journal, Time);
        Faults = new KinesisFaultHandler(new SocketsHttpHandler(), Journal, Cursor, Time);
        UplinkOptions = new KinesisUplinkOptions
        {
            Enabled = true,
            StreamName = stream,
            Region = "eu-west-1",
            ServiceUrl = kinesalite.Endpoint.ToString(),
            MaxBatchRecords = 10,
            BatchInterval = TimeSpan.Zero,
            // On the fake clock, and the clock stands still while kinesalite works: only a test
            // that lowers it ever sees an attempt time out.
            RequestTimeout = TimeSpan.FromMinutes(10),
        };
        change?.Invoke(UplinkOptions);
        Uplink = new KinesisUplink(UplinkOptions, Options.Value.Id!, Faults, Credentials, Time, UplinkLogger);
        Queue = new ReadingQueue(Counters);
        JournalService = new JournalService(Journal, [Uplink], Options, Queue, Counters, new LoopHealth(Time), Time,
            NullLogger<JournalService>.Instance);
        Worker = new UplinkWorker(Uplink, Statuses, Journal, JournalService, Options, AppendFile.Open, Time, WorkerLogger);
    }

    public string Stream { get; }
    public FakeTimeProvider Time { get; } = new();
    public RotatingCredentials Credentials { get; } = new();
    public CapturingLogger<UplinkWorker> WorkerLogger { get; } = new();
    public CapturingLogger<KinesisUplink> UplinkLogger { get; } = new();
    public GatewayCounters Counters { get; } = new();
    public UplinkStatuses Statuses { get; } = new();
    public IOptions<GatewayOptions> Options { get; }
    public KinesisUplinkOptions UplinkOptions { get; }
    public DiskJournal Journal { get; }
    public KinesisFaultHandler Faults { get; }
    public KinesisUplink Uplink { get; }
    public ReadingQueue Queue { get; }
    public JournalService JournalService { get; }
    public UplinkWorker Worker { get; }
    public UplinkStatus Status => Worker.Status;

    /// <summary>Readings queued so far; the journal gives them sequences 0 .. Produced - 1.</summary>
    public long Produced => Interlocked.Read(ref _produced);

    public CursorStats CursorStats => Journal.GetStats().Cursors.Single(c => c.Name == Cursor);

    /// <summary>Journal and worker running, the uplink's start-up check done; a second cursor keeps every record for the final comparison.</summary>
    public static async Task<KinesisPipeline> StartAsync(Kinesalite kinesalite, string stream, Action<KinesisUplinkOptions>? change = null)
    {
        var pipeline = new KinesisPipeline(kinesalite, stream, change);
        try
        {
            await pipeline.JournalService.StartAsync(CancellationToken.None);
            pipeline.Journal.OpenCursor(VerifyCursor, CursorStart.Oldest);
            await pipeline.Worker.StartAsync(CancellationToken.None);
            return pipeline;
        }
        catch
        {
            await pipeline.DisposeAsync();
            throw;
        }
    }

    /// <summary>Queues readings of sensor sim-1 (temperatures differ, so no two records are alike).</summary>
    public void Produce(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var n = Interlocked.Increment(ref _produced);
            Assert.True(Queue.TryAdd(new Reading("sim-1", "Simulated-DHT22", Time.GetUtcNow(), true, new ClimateSample(15 + n % 200 / 10.0, 50))));
        }
    }

    /// <summary>Waits until the journal holds every reading queued so far, durably (it fsyncs every append).</summary>
    public Task AcceptedAsync() =>
        Eventually.True(() => Journal.DurableSequence == Produced - 1, $"{Produced} reading(s) durable in the journal", context: Describe);

    public async Task ProduceAsync(int count)
    {
        Produce(count);
        await AcceptedAsync();
    }

    /// <summary>True once kinesalite wrote every reading produced and the cursor is past all of them.</summary>
    public bool AllDelivered() => Faults.AllWritten(Produced) && Journal.DurableSequence == Produced - 1 && CursorStats.BacklogRecords == 0;

    /// <summary>
    /// Moves the fake clock on in <paramref name="step"/>s until <paramref name="condition"/> holds
    /// (backoffs, pacing, Polly's quick retries and attempt timeouts are all on it), checking the
    /// cursor invariant on the way. The clock moves only while no request is with kinesalite and
    /// the worker has had a moment to deal with the last answer.
    /// </summary>
    public async Task RunUntilAsync(Func<bool> condition, string what, TimeSpan? step = null, Action? eachStep = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting for: {what}\n{Describe()}");
            Faults.CheckCursor("while running");
            if (Faults.Violations.Count > 0) Assert.Fail($"The cursor passed a record that is not in the stream, while waiting for: {what}\n{Describe()}");
            if (Faults.Forwarding == 0 && Faults.QuietFor >= Settle)
            {
                eachStep?.Invoke();
                Time.Advance(step ?? Step);
            }
            await Task.Delay(1);
        }
    }

    public Task RunUntilDeliveredAsync() => RunUntilAsync(AllDelivered, $"all {Produced} reading(s) in the stream and the cursor past them");

    /// <summary>
    /// The proof every test ends with, against what kinesalite holds (GetRecords):
    /// every record the journal accepted is in the stream with the journal's exact bytes, nothing
    /// else is; the cursor is past all of them and never passed a record that was not in the
    /// stream. Returns how often each sequence is stored.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, int>> AssertNothingLostAsync(bool exactlyOnce)
    {
        Assert.Empty(Faults.Violations);
        var journal = ReadJournal();
        Assert.Equal(Enumerable.Range(0, (int)Produced).Select(i => (long)i), journal.Select(r => r.Sequence));

        var stored = await _kinesalite.ReadAllAsync(Stream);
        var byId = stored.GroupBy(r => RecordIds.Of(r.Data)).ToDictionary(g => g.Key, g => g.ToList());
        var ids = new HashSet<string>();
        var copies = new Dictionary<long, int>();
        foreach (var record in journal)
        {
            var id = RecordIds.Of(record.Payload.Span);
            Assert.Equal($"{Options.Value.Id}:{Journal.Epoch}:{record.Sequence:D12}", id);
            ids.Add(id);
            Assert.True(byId.TryGetValue(id, out var kept), $"record {id} (sequence {record.Sequence}) is not in the stream\n{Describe()}");
            foreach (var copy in kept)
            {
                Assert.True(copy.Data.AsSpan().SequenceEqual(record.Payload.Span), $"record {id} is stored with other bytes than the journal holds");
                Assert.Equal("sim-1", copy.PartitionKey);
            }
            copies[record.Sequence] = kept.Count;
        }
        Assert.DoesNotContain(byId.Keys, id => !ids.Contains(id)); // nothing in the stream that the journal does not hold
        if (exactlyOnce) Assert.All(copies, c => Assert.True(c.Value == 1, $"sequence {c.Key} is stored {c.Value} times"));

        var cursor = CursorStats;
        Assert.Equal((Produced - 1, 0L), (cursor.Acked, cursor.BacklogRecords));
        Faults.CheckCursor("at the end");
        Assert.Empty(Faults.Violations);
        return copies;
    }

    /// <summary>Everything the journal accepted, from the test's own cursor that never moves.</summary>
    private List<JournalRecord> ReadJournal()
    {
        Journal.Rewind(VerifyCursor);
        var records = new List<JournalRecord>();
        while (Journal.Read(VerifyCursor, 1000, long.MaxValue) is { Count: > 0 } page) records.AddRange(page);
        return records;
    }

    public string Describe()
    {
        var calls = Faults.Calls;
        var status = Status;
        return $"produced {Produced}, durable {Journal.DurableSequence}, cursor {CursorStats}, fake time {Time.GetUtcNow():HH:mm:ss.fff}\n"
               + $"status {status.State}, sent {status.Sent}, retried {status.Retried}, failed attempts {status.FailedAttempts}, last error: {status.LastError}\n"
               + $"{calls.Count} PutRecords call(s), {Faults.Written.Count} sequence(s) written, violations: {string.Join(" | ", Faults.Violations)}\n"
               + string.Join('\n', calls.TakeLast(8).Select(c => $"  #{c.Number} at {c.At:HH:mm:ss.fff}: {string.Join(',', c.Sequences)}"));
    }

    /// <summary>Stops as the host does (sources, then the uplink with its last pass, then the journal), with the clock moving meanwhile.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        Faults.Plan = _ => KinesisFault.None;
        Queue.Complete();
        var stopping = Worker.StopAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!stopping.IsCompleted && DateTime.UtcNow < deadline)
        {
            if (Faults.Forwarding == 0) Time.Advance(Step);
            await Task.Delay(1);
        }
        await stopping.WaitAsync(TimeSpan.FromSeconds(5));
        await JournalService.StopAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            Worker.Dispose();
            JournalService.Dispose();
            Journal.Dispose();
            _dir.Dispose();
        }
    }
}

/// <summary>
/// Fixed fake keys (kinesalite checks no signature) that change after every
/// <see cref="Invalidate"/>, so a request signed after a re-resolve is recognisable by its
/// access key. Counts every resolve.
/// </summary>
public sealed class RotatingCredentials() : AwsCredentialSource(null)
{
    private int _generation = 1;
    private int _resolves;
    private int _invalidations;

    public int Resolves => Volatile.Read(ref _resolves);
    public int Invalidations => Volatile.Read(ref _invalidations);

    public static string AccessKey(int generation) => $"AKIDE2ETEST{generation:D4}";

    public override Task<ImmutableCredentials> GetAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _resolves);
        var generation = Volatile.Read(ref _generation);
        return Task.FromResult(new ImmutableCredentials(AccessKey(generation), $"kinesaliteChecksNoSignature{generation}", null));
    }

    public override void Invalidate()
    {
        Interlocked.Increment(ref _invalidations);
        Interlocked.Increment(ref _generation);
    }
}
