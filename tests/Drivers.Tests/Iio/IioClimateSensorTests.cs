using FarmGateway.Drivers.Iio;
using FarmGateway.Drivers.Linux;
using FarmGateway.Drivers.Tests.Testing;

namespace FarmGateway.Drivers.Tests.Iio;

public sealed class IioClimateSensorTests : IDisposable
{
    private const double Tolerance = 1e-9;
    private readonly FakeSysfs _sysfs = new();

    public void Dispose() => _sysfs.Dispose();

    [Fact]
    public async Task ReadAsync_NegativeMilliDegrees_ReturnsDegreesC()
    {
        _sysfs.AddIioDevice("iio:device0", "htu21", ("in_temp_input", "-12300"), ("in_humidityrelative_input", "85000"));

        var result = await Sensor("htu21").ReadAsync(CancellationToken.None);

        Assert.Null(result.Error);
        Assert.Equal(-12.3, result.Sample!.Value.TemperatureC!.Value, Tolerance);
        Assert.Equal(85.0, result.Sample!.Value.HumidityPercent!.Value, Tolerance);
    }

    [Fact]
    public async Task ReadAsync_Bme280Inputs_ConvertsMilliUnitsAndKilopascal()
    {
        _sysfs.AddIioDevice("iio:device0", "bme280",
            ("in_temp_input", "21510"), ("in_humidityrelative_input", "45250"), ("in_pressure_input", "101.325000000"));

        var sample = (await Sensor("bme280").ReadAsync(CancellationToken.None)).Sample!.Value;

        Assert.Equal(21.51, sample.TemperatureC!.Value, Tolerance);
        Assert.Equal(45.25, sample.HumidityPercent!.Value, Tolerance);
        Assert.Equal(1013.25, sample.PressureHpa!.Value, Tolerance);
        Assert.Null(sample.Co2Ppm);
    }

    [Fact]
    public async Task ReadAsync_RawWithOffsetAndScale_AppliesRawPlusOffsetTimesScale()
    {
        _sysfs.AddIioDevice("iio:device0", "hdc100x",
            ("in_temp_raw", "2500"), ("in_temp_offset", "-500"), ("in_temp_scale", "10.000000"),
            ("in_humidityrelative_raw", "40000"), ("in_humidityrelative_scale", "1.500000"));

        var sample = (await Sensor("hdc100x").ReadAsync(CancellationToken.None)).Sample!.Value;

        Assert.Equal(20.0, sample.TemperatureC!.Value, Tolerance);
        Assert.Equal(60.0, sample.HumidityPercent!.Value, Tolerance);
    }

    [Fact]
    public async Task ReadAsync_RawWithoutScaleOrOffset_TakesRawAsProcessed()
    {
        _sysfs.AddIioDevice("iio:device0", "chip", ("in_temp_raw", "-4200"));

        var sample = (await Sensor("chip").ReadAsync(CancellationToken.None)).Sample!.Value;

        Assert.Equal(-4.2, sample.TemperatureC!.Value, Tolerance);
    }

    [Fact]
    public async Task ReadAsync_Co2InPercent_ReturnsPpm()
    {
        _sysfs.AddIioDevice("iio:device0", "scd30", ("in_concentration_co2_input", "0.045012"), ("in_temp_input", "22000"));

        var sample = (await Sensor("scd30").ReadAsync(CancellationToken.None)).Sample!.Value;

        Assert.Equal(450.12, sample.Co2Ppm!.Value, 1e-6);
    }

    [Fact]
    public async Task ReadAsync_ScaleNotANumber_ProtocolErrorNamesFileAndText()
    {
        var device = _sysfs.AddIioDevice("iio:device0", "bme280", ("in_temp_raw", "100"), ("in_temp_scale", "0,001"));

        var error = (await Sensor("bme280").ReadAsync(CancellationToken.None)).Error!;

        Assert.Equal(SensorErrorKind.ProtocolError, error.Kind);
        Assert.Contains(Path.Combine(device, "in_temp_scale"), error.Message);
        Assert.Contains("'0,001'", error.Message);
    }

    [Fact]
    public async Task ReadAsync_DeviceWithoutClimateChannels_NotPresentNamingTheChannels()
    {
        _sysfs.AddIioDevice("iio:device0", "bme280", ("in_voltage0_raw", "12"));

        var error = (await Sensor("bme280").ReadAsync(CancellationToken.None)).Error!;

        Assert.Equal(SensorErrorKind.NotPresent, error.Kind);
        Assert.Contains("in_temp, in_humidityrelative, in_pressure, in_concentration_co2", error.Message);
    }

    [Fact]
    public async Task ReadAsync_NoDeviceWithTheName_NotPresentListingWhatIsThere()
    {
        _sysfs.AddIioDevice("iio:device0", "dht11@4", ("in_temp_input", "1000"));

        var error = (await Sensor("bme280").ReadAsync(CancellationToken.None)).Error!;

        Assert.Equal(SensorErrorKind.NotPresent, error.Kind);
        Assert.Contains("no IIO device named bme280", error.Message);
        Assert.Contains("dht11@4", error.Message);
    }

    [Fact]
    public async Task ReadAsync_ExplicitDevicePath_ReadsThatDeviceAndLearnsTheModel()
    {
        _sysfs.AddIioDevice("iio:device0", "bme280", ("in_temp_input", "1000"));
        var second = _sysfs.AddIioDevice("iio:device1", "htu21", ("in_temp_input", "2000"));
        using var sensor = new IioClimateSensor(_sysfs, new IioOptions { DevicePath = second });

        var sample = (await sensor.ReadAsync(CancellationToken.None)).Sample!.Value;

        Assert.Equal(2.0, sample.TemperatureC!.Value, Tolerance);
        Assert.Equal("HTU21", sensor.Model);
    }

    [Fact]
    public async Task ReadAsync_ExplicitDevicePathMissing_NotPresent()
    {
        using var sensor = new IioClimateSensor(_sysfs, new IioOptions { DevicePath = _sysfs.Combine("nope") });

        var error = (await sensor.ReadAsync(CancellationToken.None)).Error!;

        Assert.Equal(SensorErrorKind.NotPresent, error.Kind);
        Assert.Equal(Errno.ENOENT, error.Errno);
    }

    [Theory]
    [InlineData(Errno.EIO, SensorErrorKind.BusError)]
    [InlineData(Errno.ETIMEDOUT, SensorErrorKind.Timeout)]
    [InlineData(Errno.EAGAIN, SensorErrorKind.Timeout)]
    [InlineData(Errno.EBUSY, SensorErrorKind.Busy)]
    [InlineData(Errno.EACCES, SensorErrorKind.PermissionDenied)]
    public async Task ReadAsync_ChannelReadFails_MapsErrno(int errno, SensorErrorKind expected)
    {
        var device = _sysfs.AddIioDevice("iio:device0", "bme280", ("in_temp_input", "1000"));
        _sysfs.FailNext(Path.Combine(device, "in_temp_input"), errno);

        var error = (await Sensor("bme280").ReadAsync(CancellationToken.None)).Error!;

        Assert.Equal(expected, error.Kind);
        Assert.Equal(errno, error.Errno);
    }

    [Fact]
    public async Task ReadAsync_DeviceRenumbered_FindsItAgainByName()
    {
        var first = _sysfs.AddIioDevice("iio:device0", "bme280", ("in_temp_input", "1000"));
        using var sensor = Sensor("bme280");
        Assert.NotNull((await sensor.ReadAsync(CancellationToken.None)).Sample);

        Directory.Move(first, Path.Combine(_sysfs.IioRoot, "iio:device1"));
        _sysfs.AddIioDevice("iio:device0", "ads1015", ("in_temp_input", "99000"));
        var result = await sensor.ReadAsync(CancellationToken.None);

        Assert.Equal(1.0, result.Sample!.Value.TemperatureC!.Value, Tolerance);
        Assert.EndsWith("iio:device1", sensor.DevicePath);
    }

    [Fact]
    public void Model_NotConfigured_IsTheDeviceNameUppercased()
    {
        Assert.Equal("BME280", Sensor("bme280").Model);
        Assert.Equal("Barn BME", new IioClimateSensor(_sysfs, new IioOptions { Device = "bme280", Model = "Barn BME" }).Model);
    }

    [Fact]
    public void Constructor_NeitherDeviceNorPath_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new IioClimateSensor(_sysfs, new IioOptions()));
        Assert.Contains("Device", ex.Message);
    }

    [Fact]
    public async Task ReadAsync_Cancelled_Throws()
    {
        _sysfs.AddIioDevice("iio:device0", "bme280", ("in_temp_input", "1000"));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await Sensor("bme280").ReadAsync(new CancellationToken(canceled: true)));
    }

    private IioClimateSensor Sensor(string name) =>
        new(_sysfs, new IioOptions { Device = name, IioRoot = _sysfs.IioRoot });
}
