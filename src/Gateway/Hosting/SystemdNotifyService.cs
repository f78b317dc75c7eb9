using FarmGateway.Configuration;
using FarmGateway.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FarmGateway.Hosting;

/// <summary>
/// Tells systemd how the service is doing (Type=notify): READY=1 once every other service has
/// started (sources and outbox are up, because their StartAsync opens them), WATCHDOG=1 at half
/// the watchdog period while the data loops are alive, a one-line STATUS=, and STOPPING=1.
/// Registered last so that "started" means everything before it started.
/// </summary>
public sealed class SystemdNotifyService(
    ISystemdNotifier notifier,
    SystemdWatchdog watchdog,
    LoopHealth health,
    GatewayStatus status,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<SystemdNotifyService> logger) : IHostedLifecycleService, IDisposable
{
    private static readonly TimeSpan StatusPeriod = TimeSpan.FromSeconds(10);

    private ITimer? _timer;
    private bool _watchdog;
    private string? _reportedStuckLoop;

    private int EnabledSensors => options.Value.Sensors.Count(s => s.Enabled);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var watchdogPeriod = watchdog.Period;
        HostingLog.Ready(logger, options.Value.Id!, EnabledSensors, watchdogPeriod?.TotalSeconds ?? 0);
        if (!notifier.IsEnabled) return Task.CompletedTask;
        notifier.Notify($"READY=1\nSTATUS={status.Summary()}");
        _watchdog = watchdogPeriod is not null;
        var period = watchdogPeriod ?? StatusPeriod;
        _timer = time.CreateTimer(_ => Tick(), null, period, period);
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        notifier.Notify("STOPPING=1\nSTATUS=stopping: flushing the journal and the uplinks");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Feeds the watchdog and refreshes STATUS=; public so tests can drive it with a fake clock.</summary>
    public void Tick()
    {
        var stuck = health.FindStuckLoop();
        if (stuck is null)
        {
            if (_reportedStuckLoop is not null) HostingLog.LoopRecovered(logger, _reportedStuckLoop);
            _reportedStuckLoop = null;
            notifier.Notify((_watchdog ? "WATCHDOG=1\n" : "") + $"STATUS={status.Summary()}");
            return;
        }
        // Withholding WATCHDOG=1 lets systemd restart us; say why once, not every tick.
        if (_reportedStuckLoop != stuck) HostingLog.LoopStuck(logger, stuck);
        _reportedStuckLoop = stuck;
        notifier.Notify($"STATUS=unhealthy: {stuck} loop is stuck");
    }

    public void Dispose() => _timer?.Dispose();
}
