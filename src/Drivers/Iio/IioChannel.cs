namespace FarmGateway.Drivers.Iio;

/// <summary>
/// A climate channel of the kernel IIO sysfs ABI (Documentation/ABI/testing/sysfs-bus-iio) and
/// the factor from the ABI's unit to <see cref="ClimateSample"/>'s unit.
/// </summary>
public sealed class IioChannel
{
    private IioChannel(string prefix, double toSampleUnit, string unit)
    {
        Prefix = prefix;
        ToSampleUnit = toSampleUnit;
        Unit = unit;
    }

    /// <summary>ABI: milli degrees Celsius.</summary>
    public static IioChannel Temperature { get; } = new("in_temp", 0.001, "°C");

    /// <summary>ABI: milli percent.</summary>
    public static IioChannel RelativeHumidity { get; } = new("in_humidityrelative", 0.001, "%RH");

    /// <summary>ABI: kilopascal (not hPa, not Pa); 1 kPa = 10 hPa.</summary>
    public static IioChannel Pressure { get; } = new("in_pressure", 10.0, "hPa");

    /// <summary>
    /// ABI: percent (the kernel scd30 driver reports ppm / 10000); 1 % = 10000 ppm.
    /// </summary>
    public static IioChannel Co2 { get; } = new("in_concentration_co2", 10_000.0, "ppm");

    /// <summary>File name stem, e.g. "in_temp" for in_temp_input / in_temp_raw.</summary>
    public string Prefix { get; }

    /// <summary>Multiplies the ABI value into the sample unit.</summary>
    public double ToSampleUnit { get; }

    /// <summary>The sample unit, for messages.</summary>
    public string Unit { get; }

    public override string ToString() => Prefix;
}

/// <summary>
/// One channel read: a value in the sample unit, an error, or neither when the device has no
/// such channel (no _input and no _raw file).
/// </summary>
public readonly record struct IioChannelReading(double? Value, SensorError? Error)
{
    public bool IsAbsent => Value is null && Error is null;

    public static IioChannelReading Absent => default;
}
