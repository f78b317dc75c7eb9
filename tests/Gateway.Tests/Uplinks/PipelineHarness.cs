using FarmGateway.Configuration;
using FarmGateway.Drivers;
using FarmGateway.Hosting;
using FarmGateway.Journal;
using FarmGateway.Readings;
using FarmGateway.Status;
using FarmGateway.Tests.Testing;
using FarmGateway.Uplinks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FarmGateway.Tests.Uplinks;

/// <summary>
/// Queue -> JournalService -> journal -> UplinkWorker -> uplink, wired as the host wires them,
/// on a fake clock and a real journal in a temp folder.
/// </summary>
public sealed class PipelineHarness : IAsyncDisposable
{
    private readonly TempDirectory _dir;
    private bool _stopped;

    public PipelineHarness(IUplink uplink, TimeSpan? flushInterval = null, FailingDisk? disk = null, TempDirectory? dir = null)
    {
        _dir = dir ?? new TempDirectory();
        Options = Microsoft.Extensions.Options.Options.Create(TestOptions.Gateway(_dir.Path, o => o.Journal.FlushInterval = flushInterval ?? TimeSpan.Zero));
        Journal = DiskJournal.Open(_dir.Combine("journal"), Options.Value.Journal, Time, disk is null ? null : disk.Open);
        Queue = new ReadingQueue(Counters);
        JournalService = new JournalService(Journal, [uplink], Options, Queue, Counters, new LoopHealth(Time), Time, NullLogger<JournalService>.Instance);
        Worker = new UplinkWorker(uplink, Statuses, Journal, JournalService, Options, FarmGateway.Storage.AppendFile.Open, Time, Logger);
    }

    public FakeTimeProvider Time { get; } = new();
    public CapturingLogger<UplinkWorker> Logger { get; } = new();
    public GatewayCounters Counters { get; } = new();
    public UplinkStatuses Statuses { get; } = new();
    public IOptions<GatewayOptions> Options { get; }
    public DiskJournal Journal { get; }
    public ReadingQueue Queue { get; }
    public JournalService JournalService { get; }
    public UplinkWorker Worker { get; }
    public string Directory => _dir.Path;

    public async Task StartAsync()
    {
        await JournalService.StartAsync(CancellationToken.None);
        await Worker.StartAsync(CancellationToken.None);
    }

    /// <summary>Queues readings with temperatures first, first+1, ...</summary>
    public void Produce(int count, double first = 20)
    {
        for (var i = 0; i < count; i++)
            Assert.True(Queue.TryAdd(new Reading("sim-1", "Simulated-DHT22", Time.GetUtcNow(), true, new ClimateSample(first + i, 50))));
    }

    /// <summary>Queues readings, waits until the journal appended them, then lets one group commit pass on the fake clock.</summary>
    public async Task ProduceAndCommitAsync(int count, TimeSpan flushInterval, double first = 20)
    {
        var target = Journal.GetStats().NextSequence + count;
        Produce(count, first);
        await Eventually.True(() => Journal.GetStats().NextSequence == target, $"{count} reading(s) appended");
        Time.Advance(flushInterval);
        await Eventually.True(() => Journal.DurableSequence == target - 1, $"{count} reading(s) durable");
    }

    /// <summary>Moves the fake clock on in small steps until <paramref name="condition"/> holds (for pacing and backoff delays).</summary>
    public async Task AdvanceUntil(Func<bool> condition, string what, double stepSeconds = 0.1, int maxSteps = 600)
    {
        for (var i = 0; i < maxSteps && !condition(); i++)
        {
            Time.Advance(TimeSpan.FromSeconds(stepSeconds));
            await Task.Delay(2);
        }
        await Eventually.True(condition, what);
    }

    public long Backlog(string cursor) => Journal.GetStats().Cursors.Single(c => c.Name == cursor).BacklogRecords;

    /// <summary>Stops as the host does: sources complete the queue, then the uplink, then the journal.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        Queue.Complete();
        await Worker.StopAsync(CancellationToken.None);
        await JournalService.StopAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Worker.Dispose();
        JournalService.Dispose();
        Journal.Dispose();
        _dir.Dispose();
    }
}

/// <summary>
/// An uplink that records what it was sent. It fails the first <see cref="FailuresLeft"/>
/// requests with a 503, and otherwise answers with <see cref="Script"/> (all delivered by
/// default); records not named as failed in the answer count as delivered.
/// </summary>
public sealed class RecordingUplink(string name = "test") : IUplink
{
    private readonly Lock _gate = new();
    private readonly List<JournalRecord> _delivered = [];
    private readonly List<IReadOnlyList<JournalRecord>> _requests = [];

    public string Name => name;
    public int MaxBatchRecords { get; init; } = 100;
    public long MaxBatchBytes { get; init; } = 1024 * 1024;
    public long MaxRecordBytes { get; init; } = 1024 * 1024;
    public TimeSpan BatchInterval { get; init; }
    public UplinkLimits Limits => new(MaxBatchRecords, MaxBatchBytes, MaxRecordBytes, BatchInterval);
    public long WireBytes(JournalRecord record) => Wire?.Invoke(record) ?? record.Payload.Length;
    public Func<JournalRecord, long>? Wire { get; init; }
    public int FailuresLeft { get; set; }

    /// <summary>Awaited before each request is handled: lets a test hold the uplink "on the wire".</summary>
    public Func<Task>? Gate { get; set; }

    /// <summary>Answers a request (attempt number from 1); may throw an <see cref="UplinkException"/>.</summary>
    public Func<IReadOnlyList<JournalRecord>, int, SendResult>? Script { get; set; }

    public int Attempts { get; private set; }
    public bool Disposed { get; private set; }

    public IReadOnlyList<JournalRecord> Delivered
    {
        get { lock (_gate) return [.. _delivered]; }
    }

    /// <summary>Every request as sent, in order.</summary>
    public IReadOnlyList<IReadOnlyList<JournalRecord>> Requests
    {
        get { lock (_gate) return [.. _requests]; }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<SendResult> SendAsync(IReadOnlyList<JournalRecord> batch, CancellationToken cancellationToken)
    {
        if (Gate is { } gate) await gate().WaitAsync(cancellationToken);
        lock (_gate)
        {
            Attempts++;
            _requests.Add([.. batch]);
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                throw new HttpRequestException("503 Service Unavailable");
            }
            var result = Script?.Invoke(batch, Attempts) ?? SendResult.AllDelivered;
            var failed = result.Failures.Select(f => f.Index).ToHashSet();
            _delivered.AddRange(batch.Where((_, i) => !failed.Contains(i)));
            return result;
        }
    }

    public Task TickAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
