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
        Worker = new UplinkWorker(uplink, Statuses, Journal, JournalService, Options, Time, NullLogger<UplinkWorker>.Instance);
    }

    public FakeTimeProvider Time { get; } = new();
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

/// <summary>An uplink that records what it was sent and fails while told to.</summary>
public sealed class RecordingUplink(string name = "test") : IUplink
{
    private readonly Lock _gate = new();
    private readonly List<JournalRecord> _delivered = [];

    public string Name => name;
    public int MaxBatchRecords { get; init; } = 100;
    public UplinkLimits Limits => new(MaxBatchRecords, 1024 * 1024, 1024 * 1024, TimeSpan.Zero);
    public long WireBytes(JournalRecord record) => record.Payload.Length;
    public int FailuresLeft { get; set; }
    public int Attempts { get; private set; }
    public bool Disposed { get; private set; }

    public IReadOnlyList<JournalRecord> Delivered
    {
        get { lock (_gate) return [.. _delivered]; }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<SendResult> SendAsync(IReadOnlyList<JournalRecord> batch, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Attempts++;
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                throw new HttpRequestException("503 Service Unavailable");
            }
            _delivered.AddRange(batch);
        }
        return Task.FromResult(SendResult.AllDelivered);
    }

    public Task TickAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
