namespace FarmGateway.Drivers.Iio;

/// <summary>Where a generic IIO climate sensor is and what to call it. Set <see cref="Device"/> or <see cref="DevicePath"/>.</summary>
public sealed class IioOptions
{
    /// <summary>The device's exact `name` attribute, e.g. "bme280", "htu21", "hdc100x". Default: none.</summary>
    public string? Device { get; set; }

    /// <summary>An explicit device directory, e.g. "/sys/bus/iio/devices/iio:device1"; wins over <see cref="Device"/>. Default: none.</summary>
    public string? DevicePath { get; set; }

    /// <summary>Where IIO devices are listed. Default: <see cref="IioDevice.DefaultRoot"/>.</summary>
    public string IioRoot { get; set; } = IioDevice.DefaultRoot;

    /// <summary>Model written into records. Default: the device name uppercased ("bme280" -> "BME280").</summary>
    public string? Model { get; set; }

    /// <summary>The problems with these options, each quoting the bad value; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Device) && string.IsNullOrWhiteSpace(DevicePath))
            problems.Add("set Device (the IIO `name`, e.g. \"bme280\") or DevicePath (e.g. \"/sys/bus/iio/devices/iio:device0\")");
        if (string.IsNullOrWhiteSpace(IioRoot))
            problems.Add($"IioRoot must be a directory, got '{IioRoot}'");
        return problems;
    }
}
