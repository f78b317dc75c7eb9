using FarmGateway.Drivers;
using FarmGateway.Drivers.Dht22;
using FarmGateway.Drivers.Iio;
using FarmGateway.Drivers.Linux;
using FarmGateway.Drivers.Scd30;

namespace FarmGateway.Sources;

/// <summary>Turns validated sensor options into sources.</summary>
public interface ISensorFactory
{
    ISensorSource Create(SensorOptions sensor);
}

/// <summary>The one place that knows every sensor type and the Linux interfaces behind them.</summary>
public sealed class SensorFactory(TimeProvider time) : ISensorFactory
{
    public ISensorSource Create(SensorOptions sensor)
    {
        return sensor.Type switch
        {
            SensorType.Simulated => new SimulatedSource(
                sensor.Name!, sensor.Interval!.Value, sensor.Profile!.Value, sensor.Seed!.Value,
                time.LocalTimeZone.GetUtcOffset(time.GetUtcNow())),
            SensorType.Dht22 => Hardware(sensor, power => new Dht22Sensor(Sysfs.Instance, Dht22(sensor), Clock, power)),
            SensorType.Scd30 => Hardware(sensor, power => new Scd30Sensor(LinuxI2cBus.Instance, Scd30(sensor), Clock, power)),
            SensorType.Iio => Hardware(sensor, _ => new IioClimateSensor(Sysfs.Instance, Iio(sensor))),
            _ => throw new ArgumentOutOfRangeException(nameof(sensor), sensor.Type, "validation lets only known types through"),
        };
    }

    private DriverClock Clock => DriverClock.From(time);

    /// <summary>
    /// A DHT22 attempt needs 2.1 s to the next; as many retries as fit in the interval, at most
    /// three, so a read never runs into the next one.
    /// </summary>
    public static int Dht22Attempts(TimeSpan interval) =>
        Math.Clamp((int)(interval / new Dht22Options().AttemptSpacing), 1, 3);

    private static Dht22Options Dht22(SensorOptions sensor) => new()
    {
        Gpio = sensor.Gpio,
        DevicePath = sensor.DevicePath,
        MaxAttempts = Dht22Attempts(sensor.Interval!.Value),
    };

    /// <summary>The chip measures in whole seconds; the poll interval is its measurement interval.</summary>
    private static Scd30Options Scd30(SensorOptions sensor) => new()
    {
        Bus = sensor.I2cBus ?? 1,
        MeasurementInterval = TimeSpan.FromSeconds(Math.Clamp(Math.Round(sensor.Interval!.Value.TotalSeconds),
            Scd30Options.MinIntervalSeconds, Scd30Options.MaxIntervalSeconds)),
        AmbientPressureMbar = (ushort?)sensor.AmbientPressureMbar,
        AltitudeMeters = (ushort?)sensor.AltitudeMeters,
        TemperatureOffsetC = sensor.TemperatureOffsetC ?? 0,
        AutoCalibration = sensor.AutoCalibration,
    };

    private static IioOptions Iio(SensorOptions sensor) => new()
    {
        Device = sensor.Device,
        DevicePath = sensor.DevicePath,
        Model = sensor.Model,
    };

    /// <summary>The driver owns the power switch; if the driver cannot be built, the switch's GPIO line is let go.</summary>
    private static ClimateSensorSource Hardware(SensorOptions sensor, Func<IPowerSwitch?, IClimateSensor> driver)
    {
        var power = sensor.PowerGpio is { } gpio ? new GpioPowerSwitch(gpio) : null;
        try
        {
            return new ClimateSensorSource(sensor.Name!, sensor.Interval!.Value, driver(power));
        }
        catch
        {
            power?.Dispose();
            throw;
        }
    }
}
