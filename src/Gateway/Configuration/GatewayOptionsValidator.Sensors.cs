using System.Globalization;
using FarmGateway.Sources;

namespace FarmGateway.Configuration;

/// <summary>The rules for <c>Gateway:Sensors</c>: names, types, intervals and each type's own keys.</summary>
public sealed partial class GatewayOptionsValidator
{
    /// <summary>The kernel dht11 driver caches a value for 2 s; a shorter interval reads the cache.</summary>
    public static readonly TimeSpan MinDht22Interval = TimeSpan.FromSeconds(2.1);

    /// <summary>The SCD30's measurement interval range (interface description, command 0x4600).</summary>
    public static readonly TimeSpan MinScd30Interval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MaxScd30Interval = TimeSpan.FromSeconds(1800);

    // BCM GPIO numbers on a Pi (0-27 on the header, up to 53 on the SoC).
    private const int MaxGpio = 53;
    private const double MaxTemperatureOffsetC = 20;
    private const int MaxAltitudeMeters = 10_000;

    // Which keys belong to which type, so a key that would be ignored is reported instead.
    private static readonly (string Key, Func<SensorOptions, object?> Value, SensorType[] Types)[] TypeKeys =
    [
        ("Profile", s => s.Profile, [SensorType.Simulated]),
        ("Seed", s => s.Seed, [SensorType.Simulated]),
        ("Gpio", s => s.Gpio, [SensorType.Dht22]),
        ("Device", s => s.Device, [SensorType.Iio]),
        ("DevicePath", s => s.DevicePath, [SensorType.Dht22, SensorType.Iio]),
        ("Model", s => s.Model, [SensorType.Iio]),
        ("I2cBus", s => s.I2cBus, [SensorType.Scd30]),
        ("AmbientPressureMbar", s => s.AmbientPressureMbar, [SensorType.Scd30]),
        ("AltitudeMeters", s => s.AltitudeMeters, [SensorType.Scd30]),
        ("TemperatureOffsetC", s => s.TemperatureOffsetC, [SensorType.Scd30]),
        ("AutoCalibration", s => s.AutoCalibration, [SensorType.Scd30]),
        ("PowerGpio", s => s.PowerGpio, [SensorType.Dht22, SensorType.Scd30]),
    ];

    private static void CheckSensors(List<ConfigProblem> problems, List<SensorOptions> sensors)
    {
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < sensors.Count; i++)
        {
            var sensor = sensors[i];
            var key = sensor.ConfigKey ?? $"{GatewayOptions.SectionName}:Sensors:{i}";
            CheckName(problems, $"{key}:Name", sensor.Name, required: true);
            if (sensor.Name is { } name)
            {
                if (seen.TryGetValue(name, out var first))
                    problems.Add(new($"{key}:Name", name, $"duplicate sensor name, already used by {first}; every sensor needs its own name"));
                else
                    seen[name] = key;
            }
            if (sensor.Interval is { } interval && (interval < MinInterval || interval > MaxInterval))
                problems.Add(new($"{key}:Interval", Duration(interval),
                    $"must be between {Duration(MinInterval)} and {Duration(MaxInterval)}"));
            if (sensor.Type is not { } type)
            {
                problems.Add(new($"{key}:Type", null, $"is missing; allowed: {string.Join(", ", Enum.GetNames<SensorType>())}"));
                continue;
            }
            foreach (var (name2, value, types) in TypeKeys)
            {
                if (value(sensor) is { } v && !types.Contains(type))
                    problems.Add(new($"{key}:{name2}", Text(v), $"applies only to Type {string.Join(" or ", types)}, not {type}; remove it"));
            }
            switch (type)
            {
                case SensorType.Dht22: CheckDht22(problems, key, sensor); break;
                case SensorType.Scd30: CheckScd30(problems, key, sensor); break;
                case SensorType.Iio: CheckIio(problems, key, sensor); break;
            }
            CheckGpio(problems, $"{key}:PowerGpio", sensor.PowerGpio);
        }
        CheckGpioUse(problems, sensors);
    }

    // GPIO2 and GPIO3 are SDA and SCL of /dev/i2c-1 on every Pi with a 40-pin header.
    private static readonly int[] I2c1Pins = [2, 3];

    /// <summary>A GPIO is one wire: one DHT22 data line or one supply switch, and never the I2C bus an SCD30 is on.</summary>
    private static void CheckGpioUse(List<ConfigProblem> problems, List<SensorOptions> sensors)
    {
        var users = new Dictionary<int, string>();
        var i2c1InUse = sensors.Any(s => s is { Enabled: true, Type: SensorType.Scd30, I2cBus: 1 });
        for (var i = 0; i < sensors.Count; i++)
        {
            var sensor = sensors[i];
            if (!sensor.Enabled) continue;
            var key = sensor.ConfigKey ?? $"{GatewayOptions.SectionName}:Sensors:{i}";
            foreach (var (name, gpio) in new[] { ("Gpio", sensor.Type == SensorType.Dht22 ? sensor.Gpio : null), ("PowerGpio", sensor.PowerGpio) })
            {
                if (gpio is not { } pin) continue;
                if (i2c1InUse && I2c1Pins.Contains(pin))
                    problems.Add(new($"{key}:{name}", Text(pin), "is an I2C pin (GPIO2 = SDA, GPIO3 = SCL of /dev/i2c-1) and an SCD30 uses that bus; pick another GPIO"));
                else if (users.TryGetValue(pin, out var other))
                    problems.Add(new($"{key}:{name}", Text(pin), $"is already used by {other}; every data line and supply switch needs its own GPIO"));
                else
                    users[pin] = $"{key}:{name}";
            }
        }
    }

    private static void CheckDht22(List<ConfigProblem> problems, string key, SensorOptions sensor)
    {
        if (sensor.Gpio is null && sensor.DevicePath is null)
            problems.Add(new($"{key}:Gpio", null, "is missing; give the BCM GPIO of the data line (as in dtoverlay=dht11,gpiopin=4) or DevicePath"));
        CheckGpio(problems, $"{key}:Gpio", sensor.Gpio);
        if (sensor.Interval is { } interval && interval < MinDht22Interval)
            problems.Add(new($"{key}:Interval", Duration(interval),
                $"must be at least {Duration(MinDht22Interval)} for a DHT22 (the kernel driver caches a value for 2 s)"));
        CheckDevicePath(problems, key, sensor.DevicePath);
    }

    private static void CheckScd30(List<ConfigProblem> problems, string key, SensorOptions sensor)
    {
        if (sensor.I2cBus is < 0 or > 255)
            problems.Add(new($"{key}:I2cBus", Text(sensor.I2cBus), "must be between 0 and 255 (the N of /dev/i2c-N; 1 on a Pi's header)"));
        if (sensor.Interval is { } interval && (interval < MinScd30Interval || interval > MaxScd30Interval))
            problems.Add(new($"{key}:Interval", Duration(interval),
                $"must be between {Duration(MinScd30Interval)} and {Duration(MaxScd30Interval)} for an SCD30 (its measurement interval)"));
        if (sensor.AmbientPressureMbar is { } pressure and not 0 and (< 700 or > 1400))
            problems.Add(new($"{key}:AmbientPressureMbar", Text(pressure), "must be 0 (none) or between 700 and 1400"));
        if (sensor.AltitudeMeters is < 0 or > MaxAltitudeMeters)
            problems.Add(new($"{key}:AltitudeMeters", Text(sensor.AltitudeMeters), $"must be between 0 and {MaxAltitudeMeters}"));
        if (sensor.AltitudeMeters is not null && sensor.AmbientPressureMbar is > 0)
            problems.Add(new($"{key}:AltitudeMeters", Text(sensor.AltitudeMeters),
                "is ignored by the SCD30 when AmbientPressureMbar is given; set one of them"));
        if (sensor.TemperatureOffsetC is { } offset && (!double.IsFinite(offset) || offset < 0 || offset > MaxTemperatureOffsetC))
            problems.Add(new($"{key}:TemperatureOffsetC", Text(offset),
                $"must be between 0 and {MaxTemperatureOffsetC} (°C the sensor reads warm; the SCD30 can only subtract)"));
    }

    private static void CheckIio(List<ConfigProblem> problems, string key, SensorOptions sensor)
    {
        if (sensor.Device is null && sensor.DevicePath is null)
            problems.Add(new($"{key}:Device", null, "is missing; give the IIO device name (the name file, e.g. bme280) or DevicePath"));
        if (sensor.Model is { } model && (model.Length > 32 || model.Any(char.IsControl)))
            problems.Add(new($"{key}:Model", model, "must be 1 to 32 printable characters"));
        CheckDevicePath(problems, key, sensor.DevicePath);
    }

    private static void CheckDevicePath(List<ConfigProblem> problems, string key, string? path)
    {
        if (path is not null && !Path.IsPathFullyQualified(path))
            problems.Add(new($"{key}:DevicePath", path, "must be an absolute path such as /sys/bus/iio/devices/iio:device0"));
    }

    private static void CheckGpio(List<ConfigProblem> problems, string key, int? gpio)
    {
        if (gpio is < 0 or > MaxGpio)
            problems.Add(new(key, Text(gpio), $"must be a BCM GPIO number between 0 and {MaxGpio} (GPIO4 is header pin 7)"));
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
