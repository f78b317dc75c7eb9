using System.Collections.Concurrent;
using FarmGateway.Configuration;
using FarmGateway.Drivers;
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
/// Each sensor's <see cref="SensorHealth"/> is kept here; a sensor that turns failed is logged
/// as an error with the driver's advice, once per cause, and its recovery as information.
/// </summary>
public sealed class SourcesService(
    IOptions<GatewayOptions> options,
    ISensorFactory factory,
    ReadingQueue queue,
    GatewayCounters counters,
    SensorHealthRegistry health,
    LatestReadings latest,
    IClockState clock,
    TimeProvider time,
    ILogger<SourcesService> logger) : BackgroundService
{
    public const string ImplausibleReason = "implausible value (outside the record schema's range)";

    private readonly LogThrottle _throttle = new(time, TimeSpan.FromMinutes(1));
    private readonly ConcurrentDictionary<string, SensorErrorKind> _failedKind = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sources = options.Value.Sensors.Where(s => s.Enabled).Select(Create).OfType<ISensorSource>().ToList();
        try
        {
            if (sources.Count == 0) SourcesLog.NoSensors(logger);
            await Task.WhenAll(sources.Select(s => PollAsync(s, stoppingToken)));
            // Other producers (MQTT ingest) write to the queue too: it closes when the host stops, not when the sensors run out.
            await Task.Delay(Timeout.InfiniteTimeSpan, time, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var source in sources) source.Dispose();
            queue.Complete();
        }
    }

    // Validation should have caught what a driver refuses; if not, that sensor is left out and
    // said so, and the others run.
    private ISensorSource? Create(SensorOptions sensor)
    {
        try
        {
            return factory.Create(sensor);
        }
        catch (Exception e)
        {
            SourcesLog.SensorNotCreated(logger, sensor.Name ?? "?", sensor.Type?.ToString() ?? "?", e.Message);
            health.Add(sensor.Name ?? "?", sensor.Type?.ToString() ?? "?")
                .NotStarted(new SensorError(SensorErrorKind.ProtocolError, $"not started: {e.Message}"), time.GetUtcNow());
            return null;
        }
    }

    private async Task PollAsync(ISensorSource source, CancellationToken stoppingToken)
    {
        SourcesLog.SensorStarted(logger, source.Name, source.Model, source.Interval);
        var sensorHealth = health.Add(source.Name, source.Model);
        using var timer = new PeriodicTimer(source.Interval, time);
        try
        {
            do
            {
                await ReadOnceAsync(source, sensorHealth, stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReadOnceAsync(ISensorSource source, SensorHealth sensorHealth, CancellationToken stoppingToken)
    {
        var now = time.GetUtcNow();
        int suppressed;
        SensorResult result;
        try
        {
            result = await source.ReadAsync(now, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            counters.AddReadFailure();
            if (_throttle.ShouldLog(source.Name, out suppressed))
                SourcesLog.ReadThrew(logger, source.Name, suppressed, e);
            Failed(source, sensorHealth, new SensorError(SensorErrorKind.ProtocolError, $"the driver threw {e.GetType().Name}: {e.Message}"), now);
            return;
        }

        if (result.Sample is { } sample && ReadingLimits.Check(sample) is { } implausible)
        {
            counters.AddDropped(ImplausibleReason);
            if (_throttle.ShouldLog(source.Name + ":range", out suppressed))
                SourcesLog.Implausible(logger, source.Name, implausible, suppressed);
            Failed(source, sensorHealth, new SensorError(SensorErrorKind.OutOfRange, implausible), now);
            return;
        }
        if (result.Sample is { } accepted)
        {
            // Stamped when the driver returned it: a DHT22 retry or an SCD30 waiting for its next
            // measurement can take seconds.
            now = time.GetUtcNow();
            var reading = new Reading(source.Name, source.Model, now, clock.IsSynchronized, accepted);
            if (!queue.TryAdd(reading) && _throttle.ShouldLog("queue", out suppressed))
                SourcesLog.QueueFull(logger, source.Name, suppressed);
            latest.Set(reading);
            var failuresBefore = sensorHealth.ConsecutiveFailures;
            if (sensorHealth.Succeeded(accepted, now) == SensorState.Failed)
                SourcesLog.SensorRecovered(logger, source.Name, source.Model, failuresBefore);
            return;
        }

        var error = result.Error ?? new SensorError(SensorErrorKind.ProtocolError, "the driver returned neither a sample nor an error");
        if (error.Kind != SensorErrorKind.NotReady) counters.AddReadFailure();
        if (_throttle.ShouldLog(source.Name, out suppressed))
            SourcesLog.ReadFailed(logger, source.Name, error.ToString(), suppressed);
        Failed(source, sensorHealth, error, now);
    }

    // Error once when a sensor turns failed, and again only when the cause changes (a
    // technician fixed the group but not the overlay): not once per read.
    private void Failed(ISensorSource source, SensorHealth sensorHealth, SensorError error, DateTimeOffset now)
    {
        var before = sensorHealth.Failed(error, now);
        if (sensorHealth.State != SensorState.Failed || error.Kind == SensorErrorKind.NotReady) return;
        if (before != SensorState.Failed || _failedKind.GetValueOrDefault(source.Name) != error.Kind)
            SourcesLog.SensorFailed(logger, source.Name, source.Model, sensorHealth.ConsecutiveFailures, error.ToString());
        _failedKind[source.Name] = error.Kind;
    }
}
