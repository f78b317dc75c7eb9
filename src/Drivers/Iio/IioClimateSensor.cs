using FarmGateway.Drivers.Linux;

namespace FarmGateway.Drivers.Iio;

/// <summary>
/// Any kernel IIO climate chip (BME280 via bmp280, HTU21, HDC1080 via hdc100x, the kernel's
/// scd30): reads whichever of temperature, humidity, pressure and CO2 the device has. The kernel
/// driver owns the chip's timing, so a read is just the attribute files; no first-read drop.
/// </summary>
public sealed class IioClimateSensor : IClimateSensor
{
    private static readonly IioChannel[] Channels =
        [IioChannel.Temperature, IioChannel.RelativeHumidity, IioChannel.Pressure, IioChannel.Co2];

    private readonly ISysfs _sysfs;
    private readonly IioOptions _options;
    private IioDevice? _device;
    private string? _learnedName;
    private bool _disposed;

    /// <exception cref="ArgumentException">The options name no device (see <see cref="IioOptions.Validate"/>).</exception>
    public IioClimateSensor(ISysfs sysfs, IioOptions options)
    {
        ArgumentNullException.ThrowIfNull(sysfs);
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(options));
        _sysfs = sysfs;
        _options = options;
    }

    /// <summary>The configured model, else the device name uppercased; "IIO" until a DevicePath-only device was read.</summary>
    public string Model =>
        _options.Model ?? (_options.Device ?? _learnedName)?.ToUpperInvariant() ?? "IIO";

    /// <summary>The device directory in use, null until found.</summary>
    public string? DevicePath => _device?.Path;

    public ValueTask<SensorResult> ReadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_disposed) return ValueTask.FromResult(SensorResult.Failed(SensorErrorKind.NotPresent, "the sensor was disposed"));
        try
        {
            return ValueTask.FromResult(Read(cancellationToken));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // An ISysfs should not throw, but a driver must not take the gateway down if one does.
            return ValueTask.FromResult(SensorResult.Failed(SensorErrorKind.BusError, $"unexpected {e.GetType().Name}: {e.Message}"));
        }
    }

    public void Dispose() => _disposed = true;

    private SensorResult Read(CancellationToken cancellationToken)
    {
        if (_device is { } known && !known.IsStillThere()) _device = null;
        if (_device is null)
        {
            var (device, error) = Locate();
            if (error is not null) return SensorResult.Failed(error);
            _device = device;
            _learnedName ??= device!.Name;
        }

        var sample = new ClimateSample();
        var found = false;
        foreach (var channel in Channels)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reading = _device!.Read(channel, SensorErrorKind.BusError);
            if (reading.Error is { } error)
            {
                if (IioErrors.MeansDeviceGone(error)) _device = null;
                return SensorResult.Failed(error);
            }
            if (reading.IsAbsent) continue;
            found = true;
            sample = Set(sample, channel, reading.Value!.Value);
        }

        if (!found)
        {
            return SensorResult.Failed(SensorErrorKind.NotPresent,
                $"IIO device {_device} has none of {string.Join(", ", Channels.Select(c => c.Prefix))} (as _input or _raw)");
        }
        return SensorResult.Ok(sample);
    }

    private (IioDevice? Device, SensorError? Error) Locate()
    {
        if (!string.IsNullOrWhiteSpace(_options.DevicePath))
        {
            return _sysfs.Exists(_options.DevicePath)
                ? (IioDevice.At(_sysfs, _options.DevicePath), null)
                : (null, new SensorError(SensorErrorKind.NotPresent,
                    $"IIO device {_options.DevicePath} does not exist: check DevicePath, or configure Device (the chip's IIO name) so the number can change", Errno.ENOENT));
        }

        var devices = IioDevice.Enumerate(_sysfs, _options.IioRoot);
        // Several chips of one kind (two BME280 at 0x76 and 0x77): the lowest-numbered wins; use DevicePath to pick.
        var match = devices.FirstOrDefault(d => d.Name == _options.Device);
        if (match is not null) return (match, null);

        if (devices.FirstOrDefault(d => d.NameErrno is Errno.EACCES or Errno.EPERM) is { } hidden)
        {
            return (null, new SensorError(SensorErrorKind.PermissionDenied,
                $"no IIO device named {_options.Device} readable under {_options.IioRoot}: the service user may not read {hidden.Path}/name; check the unit's sandboxing", hidden.NameErrno));
        }
        var seen = devices.Count == 0 ? "no IIO devices at all" : "found " + string.Join(", ", devices.Select(d => d.Name ?? "?"));
        return (null, new SensorError(SensorErrorKind.NotPresent,
            $"no IIO device named {_options.Device} under {_options.IioRoot} ({seen}): enable the chip's overlay (e.g. dtoverlay=i2c-sensor,bme280 in /boot/firmware/config.txt) and check that its driver loaded"));
    }

    private static ClimateSample Set(ClimateSample sample, IioChannel channel, double value)
    {
        if (channel == IioChannel.Temperature) return sample with { TemperatureC = value };
        if (channel == IioChannel.RelativeHumidity) return sample with { HumidityPercent = value };
        if (channel == IioChannel.Pressure) return sample with { PressureHpa = value };
        return sample with { Co2Ppm = value };
    }
}
