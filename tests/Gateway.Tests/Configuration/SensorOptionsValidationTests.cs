using FarmGateway.Configuration;
using FarmGateway.Sources;

namespace FarmGateway.Tests.Configuration;

/// <summary>
/// Hardware sensors as a technician writes them: each bad value stops the gateway (exit 78)
/// with the key, the value and what is allowed; a good entry binds to what the driver reads.
/// Entry 2 is added after the two simulated sensors of the embedded default.
/// </summary>
[Collection(EnvironmentCollection.Name)]
public sealed class SensorOptionsValidationTests : IDisposable
{
    private const string Key = "Gateway:Sensors:2";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private ConfigLoadResult Sensor(string type, params string[] args) =>
        ConfigLoad.Run(_temp, [$"--{Key}:Name=barn-{type.ToLowerInvariant()}", $"--{Key}:Type={type}", .. args]);

    [Fact]
    public void Sensors_AsInTheExample_BindEveryKey()
    {
        var options = ConfigLoad.Valid(ConfigLoad.Run(_temp,
            "--Gateway:Sensors:2:Name=barn3-climate", "--Gateway:Sensors:2:Type=Dht22", "--Gateway:Sensors:2:Gpio=4",
            "--Gateway:Sensors:2:PowerGpio=17",
            "--Gateway:Sensors:3:Name=barn3-co2", "--Gateway:Sensors:3:Type=Scd30", "--Gateway:Sensors:3:Interval=00:00:30",
            "--Gateway:Sensors:3:AmbientPressureMbar=1013", "--Gateway:Sensors:3:TemperatureOffsetC=1.5",
            "--Gateway:Sensors:3:AutoCalibration=false",
            "--Gateway:Sensors:4:Name=barn3-bme280", "--Gateway:Sensors:4:Type=Iio", "--Gateway:Sensors:4:Device=bme280"));

        var (dht, scd, iio) = (options.Sensors[2], options.Sensors[3], options.Sensors[4]);
        Assert.Equal((SensorType.Dht22, 4, 17, (string?)null), (dht.Type!.Value, dht.Gpio!.Value, dht.PowerGpio!.Value, dht.DevicePath));
        Assert.Equal(SensorOptions.DefaultInterval, dht.Interval);
        Assert.Equal((SensorType.Scd30, 1, 1013, 1.5, false), (scd.Type!.Value, scd.I2cBus!.Value, scd.AmbientPressureMbar!.Value, scd.TemperatureOffsetC!.Value, scd.AutoCalibration!.Value));
        Assert.Null(scd.AltitudeMeters);
        Assert.Equal((SensorType.Iio, "bme280", (string?)null), (iio.Type!.Value, iio.Device, iio.Model));
    }

    [Fact]
    public void Dht22_WithoutGpioOrDevicePath_SaysWhereTheGpioComesFrom()
    {
        var problem = ConfigLoad.SingleError(Sensor("Dht22"), $"{Key}:Gpio", null);
        Assert.Contains("dtoverlay=dht11,gpiopin=4", problem.Message);
    }

    [Theory]
    [InlineData("Gpio", "54", "between 0 and 53")]
    [InlineData("Gpio", "-1", "between 0 and 53")]
    [InlineData("Interval", "00:00:01", "at least 00:00:02.100")]
    [InlineData("DevicePath", "iio:device0", "absolute path")]
    public void Dht22_BadValue_IsNamedWithWhatIsAllowed(string key, string value, string allowed)
    {
        var args = key == "Gpio" ? new[] { $"--{Key}:{key}={value}" } : [$"--{Key}:Gpio=4", $"--{Key}:{key}={value}"];
        var problem = ConfigLoad.SingleError(Sensor("Dht22", args), $"{Key}:{key}", value);
        Assert.Contains(allowed, problem.Message);
    }

    [Fact]
    public void Dht22_PowerGpioOnTheDataLine_IsRejected()
    {
        var problem = ConfigLoad.SingleError(Sensor("Dht22", $"--{Key}:Gpio=4", $"--{Key}:PowerGpio=4"), $"{Key}:PowerGpio", "4");
        Assert.Contains($"already used by {Key}:Gpio", problem.Message);
    }

    [Theory]
    [InlineData("Interval", "00:00:01", "between 00:00:02 and 00:30:00")]
    [InlineData("Interval", "01:00:00", "between 00:00:02 and 00:30:00")]
    [InlineData("AmbientPressureMbar", "500", "0 (none) or between 700 and 1400")]
    [InlineData("TemperatureOffsetC", "-1", "between 0 and 20")]
    [InlineData("AltitudeMeters", "20000", "between 0 and 10000")]
    [InlineData("I2cBus", "300", "/dev/i2c-N")]
    public void Scd30_BadValue_IsNamedWithWhatIsAllowed(string key, string value, string allowed)
    {
        var problem = ConfigLoad.SingleError(Sensor("Scd30", $"--{Key}:{key}={value}"), $"{Key}:{key}", value);
        Assert.Contains(allowed, problem.Message);
    }

    [Fact]
    public void Scd30_AltitudeAndPressure_AskForOne()
    {
        var problem = ConfigLoad.SingleError(
            Sensor("Scd30", $"--{Key}:AltitudeMeters=300", $"--{Key}:AmbientPressureMbar=980"), $"{Key}:AltitudeMeters", "300");
        Assert.Contains("set one of them", problem.Message);
    }

    [Fact]
    public void Gpio_UsedTwice_NamesTheFirstUser()
    {
        var problem = ConfigLoad.SingleError(ConfigLoad.Run(_temp,
            "--Gateway:Sensors:2:Name=dht-a", "--Gateway:Sensors:2:Type=Dht22", "--Gateway:Sensors:2:Gpio=4",
            "--Gateway:Sensors:3:Name=co2", "--Gateway:Sensors:3:Type=Scd30", "--Gateway:Sensors:3:PowerGpio=4"),
            "Gateway:Sensors:3:PowerGpio", "4");
        Assert.Contains("already used by Gateway:Sensors:2:Gpio", problem.Message);
    }

    [Fact]
    public void PowerGpio_OnTheI2cPinsOfAnScd30sBus_IsRejected()
    {
        var problem = ConfigLoad.SingleError(Sensor("Scd30", $"--{Key}:PowerGpio=3"), $"{Key}:PowerGpio", "3");
        Assert.Contains("GPIO3 = SCL of /dev/i2c-1", problem.Message);
    }

    [Fact]
    public void Iio_WithoutDevice_AsksForTheNameFile()
    {
        var problem = ConfigLoad.SingleError(Sensor("Iio"), $"{Key}:Device", null);
        Assert.Contains("bme280", problem.Message);
    }

    [Theory]
    [InlineData("Dht22", "I2cBus", "1", "applies only to Type Scd30, not Dht22")]
    [InlineData("Scd30", "Gpio", "4", "applies only to Type Dht22, not Scd30")]
    [InlineData("Iio", "PowerGpio", "17", "applies only to Type Dht22 or Scd30, not Iio")]
    [InlineData("Scd30", "Profile", "Dht22", "applies only to Type Simulated, not Scd30")]
    public void KeyOfAnotherType_IsReportedInsteadOfIgnored(string type, string key, string value, string message)
    {
        var required = type switch { "Dht22" => $"--{Key}:Gpio=4", "Iio" => $"--{Key}:Device=bme280", _ => $"--{Key}:Enabled=true" };
        var problem = ConfigLoad.SingleError(Sensor(type, required, $"--{Key}:{key}={value}"), $"{Key}:{key}", value);
        Assert.Contains(message, problem.Message);
    }
}
