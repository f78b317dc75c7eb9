// A DHT22 (AM2302) through the kernel dht11 IIO driver; see README.md for the invariants:
// - Attempts are at least AttemptSpacing (2.1 s) apart on the driver clock, across reads too.
// - Temperature and humidity come from the same attempt (the driver caches the pair for 2 s).
// - EIO, ETIMEDOUT and EAGAIN are retried within one read, up to MaxAttempts; nothing else is.
// - The device is looked up on read and again when it vanished, so a sensor that comes back
//   (or is renumbered) is picked up; nothing throws out of ReadAsync but cancellation.

using FarmGateway.Drivers.Iio;
using FarmGateway.Drivers.Linux;

namespace FarmGateway.Drivers.Dht22;

/// <summary>
/// Reads a DHT22 via /sys/bus/iio/devices (dtoverlay=dht11,gpiopin=N), with the field
/// advice applied: retries, spacing, first-read drop, range/jump/stuck checks and an optional
/// power cycle. One reader at a time. Owns <c>power</c> and disposes it.
/// </summary>
public sealed class Dht22Sensor : IClimateSensor
{
    // Datasheet (AM2302, "Single-bus communication"): after power-on wait at least 1 s before the
    // first start signal; 2 s also covers the driver's own settling. Off for 1 s drains the supply.
    private static readonly TimeSpan PowerOffTime = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PowerOnSettleTime = TimeSpan.FromSeconds(2);

    private readonly ISysfs _sysfs;
    private readonly Dht22Options _options;
    private readonly DriverClock _clock;
    private readonly IPowerSwitch? _power;
    private readonly Dht22Plausibility _plausibility;
    private IioDevice? _device;
    private TimeSpan? _lastAttemptAt;
    private bool _powerCycledThisStreak;
    private bool _powerLeftOff;
    private bool _disposed;

    /// <exception cref="ArgumentException">The options are invalid (see <see cref="Dht22Options.Validate"/>).</exception>
    public Dht22Sensor(ISysfs sysfs, Dht22Options options, DriverClock clock, IPowerSwitch? power = null)
    {
        ArgumentNullException.ThrowIfNull(sysfs);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        var problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(options));
        _sysfs = sysfs;
        _options = options;
        _clock = clock;
        _power = power;
        _plausibility = new Dht22Plausibility(options);
    }

    public string Model => "DHT22";

    /// <summary>The IIO device directory in use, null until found.</summary>
    public string? DevicePath => _device?.Path;

    /// <summary>Failed attempts (I/O errors, stuck humidity) since the last accepted sample.</summary>
    public int ConsecutiveFailures { get; private set; }

    /// <summary>Power cycles done since construction.</summary>
    public int PowerCycles { get; private set; }

    public async ValueTask<SensorResult> ReadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_disposed) return SensorResult.Failed(SensorErrorKind.NotPresent, "the sensor was disposed");
        try
        {
            return await ReadCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // An ISysfs or power switch should not throw, but one sensor must not take the gateway down.
            return SensorResult.Failed(SensorErrorKind.BusError, $"unexpected {e.GetType().Name}: {e.Message}");
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            // Leave the sensor powered for whoever runs next (a cancelled power cycle left it off).
            if (_powerLeftOff) _power?.SetPower(true);
            _power?.Dispose();
        }
        catch (Exception)
        {
            // Dispose never throws; there is nobody left to tell.
        }
    }

    private async Task<SensorResult> ReadCoreAsync(CancellationToken cancellationToken)
    {
        if (_powerLeftOff && await PowerOnAsync(cancellationToken).ConfigureAwait(false) is { } restoreError)
            return SensorResult.Failed(restoreError);

        SensorResult result = default;
        for (var attempt = 1; attempt <= _options.MaxAttempts; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (ShouldPowerCycle() && await PowerCycleAsync(cancellationToken).ConfigureAwait(false) is { } powerError)
                return SensorResult.Failed(powerError);

            if (_device is { } known && !known.IsStillThere()) _device = null;
            if (_device is null)
            {
                var (device, locateError) = Dht22DeviceLocator.Locate(_sysfs, _options);
                if (locateError is not null) return SensorResult.Failed(locateError);
                _device = device;
            }

            await WaitForSpacingAsync(cancellationToken).ConfigureAwait(false);
            _lastAttemptAt = _clock.Now;
            result = ReadPair(_device!);
            if (result.Error is { } error)
            {
                // Missing overlay or permissions are configuration, not a lock-up: a power cycle cannot help.
                if (error.Kind is SensorErrorKind.ChecksumMismatch or SensorErrorKind.Timeout or SensorErrorKind.BusError)
                    ConsecutiveFailures++;
                if (IioErrors.MeansDeviceGone(error)) _device = null;
                if (error.Kind is SensorErrorKind.ChecksumMismatch or SensorErrorKind.Timeout) continue;
            }
            return result;
        }
        return result;
    }

    /// <summary>Both values from one attempt, checked; the first failing file decides the error.</summary>
    private SensorResult ReadPair(IioDevice device)
    {
        var temperature = device.Read(IioChannel.Temperature, SensorErrorKind.ChecksumMismatch);
        if (temperature.Error is { } temperatureError) return SensorResult.Failed(temperatureError);
        var humidity = device.Read(IioChannel.RelativeHumidity, SensorErrorKind.ChecksumMismatch);
        if (humidity.Error is { } humidityError) return SensorResult.Failed(humidityError);
        if (temperature.IsAbsent || humidity.IsAbsent)
        {
            return SensorResult.Failed(SensorErrorKind.NotPresent,
                $"IIO device {device} has no in_temp_input/in_humidityrelative_input: is it really the dht11 driver?");
        }

        var result = _plausibility.Evaluate(temperature.Value!.Value, humidity.Value!.Value, _clock.Now);
        if (result.Sample is not null)
        {
            ConsecutiveFailures = 0;
            _powerCycledThisStreak = false;
        }
        else if (_plausibility.HumidityStuck)
        {
            // A locked-up sensor is what the power cycle is for.
            ConsecutiveFailures++;
        }
        return result;
    }

    private async Task WaitForSpacingAsync(CancellationToken cancellationToken)
    {
        if (_lastAttemptAt is not { } last) return;
        var wait = last + _options.AttemptSpacing - _clock.Now;
        if (wait > TimeSpan.Zero) await _clock.DelayAsync(wait, cancellationToken).ConfigureAwait(false);
    }

    private bool ShouldPowerCycle() =>
        _power is not null && !_powerCycledThisStreak && ConsecutiveFailures >= _options.FailuresBeforePowerCycle;

    /// <summary>
    /// Off, 1 s, on, 2 s; once per failure streak. Null when done, else why not. A switch that
    /// cannot even turn off is reported once for the streak, and reading goes on without it.
    /// </summary>
    private async Task<SensorError?> PowerCycleAsync(CancellationToken cancellationToken)
    {
        _powerCycledThisStreak = true;
        if (_power!.SetPower(false) is { } offError) return offError;
        _powerLeftOff = true;
        PowerCycles++;
        await _clock.DelayAsync(PowerOffTime, cancellationToken).ConfigureAwait(false);
        return await PowerOnAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<SensorError?> PowerOnAsync(CancellationToken cancellationToken)
    {
        if (_power!.SetPower(true) is { } onError) return onError;
        _powerLeftOff = false;
        _plausibility.Restart();
        await _clock.DelayAsync(PowerOnSettleTime, cancellationToken).ConfigureAwait(false);
        return null;
    }
}
