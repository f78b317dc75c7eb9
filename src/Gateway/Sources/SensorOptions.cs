using FarmGateway.Drivers.Simulated;

namespace FarmGateway.Sources;

/// <summary>One entry of <c>Gateway:Sensors</c>.</summary>
public sealed class SensorOptions
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    /// <summary>Unique sensor name; becomes <c>sensor</c> in records and the Kinesis partition key.</summary>
    public string? Name { get; set; }

    /// <summary>Sensor type. Required.</summary>
    public SensorType? Type { get; set; }

    /// <summary>Time between readings. Default 00:00:10.</summary>
    public TimeSpan? Interval { get; set; }

    /// <summary>False keeps the entry in the file but does not read it. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Dht22 only: the BCM GPIO of the data line, as in <c>dtoverlay=dht11,gpiopin=N</c>; the
    /// gateway finds the kernel's IIO device for it. Give this or <see cref="DevicePath"/>.
    /// </summary>
    public int? Gpio { get; set; }

    /// <summary>Iio only: the IIO device name, e.g. "bme280", "htu21", "hdc100x". Give this or <see cref="DevicePath"/>.</summary>
    public string? Device { get; set; }

    /// <summary>Dht22 and Iio: the device directory, e.g. /sys/bus/iio/devices/iio:device0. Default: found by Gpio or Device.</summary>
    public string? DevicePath { get; set; }

    /// <summary>Iio only: the model written into records. Default: the device name in capitals.</summary>
    public string? Model { get; set; }

    /// <summary>Scd30 only: the I2C bus number N of /dev/i2c-N. Default 1 (the Pi's header pins 3 and 5).</summary>
    public int? I2cBus { get; set; }

    /// <summary>Scd30 only: ambient pressure in mbar (700-1400) for pressure compensation. Default: none (0).</summary>
    public int? AmbientPressureMbar { get; set; }

    /// <summary>Scd30 only: the barn's altitude in metres, used when no pressure is given. Default: leave the sensor's.</summary>
    public int? AltitudeMeters { get; set; }

    /// <summary>Scd30 only: how much the sensor reads warm from self-heating, in °C (0-20). Default 0.</summary>
    public double? TemperatureOffsetC { get; set; }

    /// <summary>Scd30 only: automatic self-calibration (needs daily fresh air for 7 days). Default: leave the sensor's.</summary>
    public bool? AutoCalibration { get; set; }

    /// <summary>Dht22 and Scd30: a BCM GPIO that switches the sensor's supply, for a power cycle when it locks up. Default: none.</summary>
    public int? PowerGpio { get; set; }

    /// <summary>Simulated only: which chip to imitate. Default Dht22.</summary>
    public SimulatedProfile? Profile { get; set; }

    /// <summary>Simulated only: random seed. Default: derived from the name, so runs repeat.</summary>
    public int? Seed { get; set; }

    /// <summary>Where this entry was written ("Gateway:Sensors:5"); set by the loader, not read from configuration.</summary>
    internal string? ConfigKey { get; set; }
}

/// <summary>The sensor types this build can read.</summary>
public enum SensorType
{
    /// <summary>Generated DHT22- or SCD30-like values with a daily cycle; no hardware needed.</summary>
    Simulated,

    /// <summary>DHT22 (AM2302) through the kernel's dht11 IIO driver (dtoverlay=dht11,gpiopin=N).</summary>
    Dht22,

    /// <summary>Sensirion SCD30 (CO2, temperature, humidity) on /dev/i2c-N at address 0x61.</summary>
    Scd30,

    /// <summary>Any kernel IIO climate sensor: BME280, HTU21, HDC1080 and similar.</summary>
    Iio,
}
