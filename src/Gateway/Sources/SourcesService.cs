using FarmGateway.Configuration;
using FarmGateway.Diagnostics;
using FarmGateway.Readings;
using FarmGateway.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FarmGateway.Sources;

/// <summary>
/// Polls every enabled sensor on its own interval and hands readings to the queue. A sensor
/// that fails or throws is counted and polled again next interval; it never stops the others.
/// When stopped it completes the queue, so the store knows no more readings will come.
/// </summary>
public sealed class SourcesService(
    IOptions<GatewayOptions> options,
    ISensorFactory factory,
    ReadingQueue queue,
    GatewayCounters counters,
    IClockState clock,
    TimeProvider time,
    ILogger<SourcesService> logger) : BackgroundService
{
    public const string ImplausibleReason = "implausible value (outside the record schema's range)";

    private readonly LogThrottle _throttle = new(time, TimeSpan.FromMinutes(1));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sources = options.Value.Sensors.Where(s => s.Enabled).Select(factory.Create).ToList();
        try
        {
            if (sources.Count == 0) SourcesLog.NoSensors(logger);
            await Task.WhenAll(sources.Select(s => PollAsync(s, stoppingToken)));
        }
        finally
        {
            foreach (var source in sources) source.Dispose();
            queue.Complete();
        }
    }

    private async Task PollAsync(ISensorSource source, CancellationToken stoppingToken)
    {
        SourcesLog.SensorStarted(logger, source.Name, source.Model, source.Interval);
        using var timer = new PeriodicTimer(source.Interval, time);
        try
        {
            do
            {
                await ReadOnceAsync(source, stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReadOnceAsync(ISensorSource source, CancellationToken stoppingToken)
    {
        var now = time.GetUtcNow();
        int suppressed;
        try
        {
            var result = await source.ReadAsync(now, stoppingToken);
            if (result.Sample is { } sample && ReadingLimits.Check(sample) is { } implausible)
            {
                counters.AddDropped(ImplausibleReason);
                if (_throttle.ShouldLog(source.Name + ":range", out suppressed))
                    SourcesLog.Implausible(logger, source.Name, implausible, suppressed);
                return;
            }
            if (result.Sample is { } accepted)
            {
                var reading = new Reading(source.Name, source.Model, now, clock.IsSynchronized, accepted);
                if (!queue.TryAdd(reading) && _throttle.ShouldLog("queue", out suppressed))
                    SourcesLog.QueueFull(logger, source.Name, suppressed);
                return;
            }
            counters.AddReadFailure();
            if (_throttle.ShouldLog(source.Name, out suppressed))
                SourcesLog.ReadFailed(logger, source.Name, result.Error ?? "unknown", suppressed);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            counters.AddReadFailure();
            if (_throttle.ShouldLog(source.Name, out suppressed))
                SourcesLog.ReadThrew(logger, source.Name, suppressed, e);
        }
    }
}
