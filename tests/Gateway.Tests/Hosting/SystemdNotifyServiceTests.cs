using FarmGateway.Hosting;
using FarmGateway.Journal;
using FarmGateway.Uplinks;
using FarmGateway.Sources;
using FarmGateway.Status;
using FarmGateway.Tests.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FarmGateway.Tests.Hosting;

public sealed class SystemdNotifyServiceTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingNotifier _notifier = new();
    private readonly LoopHealth _health;
    private readonly SystemdNotifyService _service;
    private readonly DiskJournal _journal;

    public SystemdNotifyServiceTests()
    {
        _health = new LoopHealth(_time);
        var options = Options.Create(TestOptions.Gateway(_dir.Path));
        _journal = DiskJournal.Open(_dir.Combine("journal"), new JournalOptions(), _time);
        var status = new GatewayStatus(new GatewayCounters(), _journal, new UplinkStatuses(), new SensorHealthRegistry(), options, _time);
        _service = new SystemdNotifyService(_notifier, new SystemdWatchdog(TimeSpan.FromSeconds(10)), _health,
            status, options, _time, NullLogger<SystemdNotifyService>.Instance);
    }

    public void Dispose()
    {
        _service.Dispose();
        _journal.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task StartedAsync_AfterEveryServiceStarted_SendsReadyWithStatus()
    {
        await _service.StartedAsync(CancellationToken.None);

        Assert.Equal("READY=1\nSTATUS=1 sensor(s), 0 readings accepted, 0 dropped, 0 read failures, journal 0 records", Assert.Single(_notifier.Messages));
    }

    [Fact]
    public async Task Watchdog_WhileLoopsBeat_IsFedEveryHalfPeriod()
    {
        _health.Register("outbox", TimeSpan.FromSeconds(30));
        await _service.StartedAsync(CancellationToken.None);

        for (var i = 0; i < 6; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(10));
            _health.Beat("outbox");
        }

        Assert.Equal(6, _notifier.Messages.Count(m => m.StartsWith("WATCHDOG=1\n")));
    }

    [Fact]
    public async Task Watchdog_LoopStuck_IsWithheldSoSystemdRestarts_AndResumesWhenItBeatsAgain()
    {
        _health.Register("outbox", TimeSpan.FromSeconds(30));
        await _service.StartedAsync(CancellationToken.None);

        _time.Advance(TimeSpan.FromSeconds(60));
        var whileStuck = _notifier.Messages.Skip(1).ToList();
        _health.Beat("outbox");
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(3, whileStuck.Count(m => m.StartsWith("WATCHDOG=1"))); // at 10, 20, 30 s the loop was still in time
        Assert.Contains(whileStuck, m => m == "STATUS=unhealthy: outbox loop is stuck");
        Assert.StartsWith("WATCHDOG=1\n", _notifier.Messages[^1]);
    }

    [Fact]
    public async Task StoppingAsync_SendsStoppingAndStopsTheWatchdog()
    {
        await _service.StartedAsync(CancellationToken.None);
        await _service.StoppingAsync(CancellationToken.None);
        var count = _notifier.Messages.Count;
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.StartsWith("STOPPING=1", _notifier.Messages[count - 1]);
        Assert.Equal(count, _notifier.Messages.Count);
    }

    private sealed class RecordingNotifier : ISystemdNotifier
    {
        public List<string> Messages { get; } = [];
        public bool IsEnabled => true;
        public void Notify(string state) => Messages.Add(state);
    }
}
