using System.Text.Json;
using FarmGateway.IntegrationTests.Testing;

namespace FarmGateway.IntegrationTests.Sources;

/// <summary>
/// The real gateway process reading hardware sensors through a sysfs tree laid out like the
/// kernel's (/sys/bus/iio/devices/iio:deviceN): a DHT22 behind the dht11 driver and a BME280
/// behind its IIO driver. The records in the outbox must be schema-valid and carry the values
/// the files hold, in the record's units.
/// </summary>
public sealed class HardwareSensorProcessTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private int _devices;

    public void Dispose() => _dir.Dispose();

    private string Outbox => _dir.Combine("data", "outbox");

    private string Device(string name, params (string File, string Text)[] channels)
    {
        var path = _dir.Combine("sys", "bus", "iio", "devices", $"iio:device{_devices++}");
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "name"), name + "\n");
        foreach (var (file, text) in channels) File.WriteAllText(Path.Combine(path, file), text + "\n");
        return path;
    }

    private string Config(string dht22Path, string bme280Path)
    {
        var file = _dir.Combine("appsettings.json");
        File.WriteAllText(file, JsonSerializer.Serialize(new
        {
            Gateway = new
            {
                Id = "barn-7",
                DataDirectory = _dir.Combine("data"),
                Sensors = new object[]
                {
                    new { Name = "barn7-climate", Type = "Dht22", DevicePath = dht22Path, Interval = "00:00:02.100" },
                    new { Name = "barn7-bme280", Type = "Iio", DevicePath = bme280Path, Interval = "00:00:00.200" },
                },
            },
        }));
        return file;
    }

    private List<JsonElement> Records() =>
        Directory.Exists(Outbox)
            ? [.. Directory.GetFiles(Outbox).Order().SelectMany(ReadShared).Select(l => JsonDocument.Parse(l).RootElement)]
            : [];

    private static string[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task Run_Dht22AndBme280OnSysfs_WritesSchemaValidRecordsWithTheirValues()
    {
        // A winter barn: the DHT22 reads below zero (milli-units), the BME280 gives pressure in kPa.
        var dht22 = Device("dht11@4", ("in_temp_input", "-4700"), ("in_humidityrelative_input", "87300"));
        var bme280 = Device("bme280", ("in_temp_input", "3250"), ("in_humidityrelative_input", "81456"), ("in_pressure_input", "101.325"));
        using var gateway = GatewayProcess.Start([$"--config={Config(dht22, bme280)}"]);

        // The DHT22's first read after start is dropped and reads are 2.1 s apart: two records
        // take about 6 s.
        await Eventually.True(() => Records().Count(r => r.GetProperty("sensor").GetString() == "barn7-climate") >= 2,
            "two DHT22 records", TimeSpan.FromSeconds(60), () => gateway.Stdout + gateway.Stderr);
        gateway.Signal("TERM");
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        var schema = JsonSchemaValidator.FromFile(Path.Combine(RepositoryRoot.Path, "docs", "record-schema.v1.json"));
        var records = Records();
        Assert.All(records, r => Assert.Empty(schema.Validate(r)));
        var climate = records.Where(r => r.GetProperty("sensor").GetString() == "barn7-climate").ToList();
        Assert.All(climate, r =>
        {
            Assert.Equal("DHT22", r.GetProperty("model").GetString());
            Assert.Equal(-4.7, r.GetProperty("temperature").GetDouble(), 3);
            Assert.Equal(87.3, r.GetProperty("humidity").GetDouble(), 3);
            Assert.False(r.TryGetProperty("co2", out _));
        });
        var bme = records.Where(r => r.GetProperty("sensor").GetString() == "barn7-bme280").ToList();
        Assert.NotEmpty(bme);
        Assert.All(bme, r =>
        {
            Assert.Equal("BME280", r.GetProperty("model").GetString());
            Assert.Equal("barn-7", r.GetProperty("gateway").GetString());
            Assert.Equal(3.25, r.GetProperty("temperature").GetDouble(), 3);
            Assert.Equal(81.456, r.GetProperty("humidity").GetDouble(), 3);
            Assert.Equal(1013.25, r.GetProperty("pressure").GetDouble(), 3);
        });
        Assert.Contains("Sensor barn7-climate (DHT22) reading every 00:00:02.1", gateway.Stdout);
        Assert.Equal("", gateway.Stderr);
    }

    [Fact]
    public async Task CheckSensors_Dht22AndBme280OnSysfs_PrintsEachReadingAndExits0()
    {
        var dht22 = Device("dht11@4", ("in_temp_input", "-4700"), ("in_humidityrelative_input", "87300"));
        var bme280 = Device("bme280", ("in_temp_input", "3250"), ("in_humidityrelative_input", "81456"), ("in_pressure_input", "101.325"));
        using var check = GatewayProcess.Start(["check-sensors", $"--config={Config(dht22, bme280)}"]);

        Assert.Equal(0, await check.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("barn7-climate (DHT22): ok, -4.7 °C, 87.3 %RH", check.Stdout);
        Assert.Contains("barn7-bme280 (BME280): ok, 3.25 °C, 81.46 %RH, 1013.25 hPa", check.Stdout);
        Assert.Contains("all 2 sensor(s) read", check.Stdout);
        Assert.False(Directory.Exists(Outbox), "a check writes no records");
    }

    [Fact]
    public async Task CheckSensors_Dht22WithoutItsOverlay_SaysWhatToAddAndExits1()
    {
        var bme280 = Device("bme280", ("in_temp_input", "3250"));
        var file = _dir.Combine("appsettings.json");
        File.WriteAllText(file, JsonSerializer.Serialize(new
        {
            Gateway = new
            {
                DataDirectory = _dir.Combine("data"),
                Sensors = new object[]
                {
                    new { Name = "barn7-climate", Type = "Dht22", Gpio = 17 },
                    new { Name = "barn7-bme280", Type = "Iio", DevicePath = bme280 },
                },
            },
        }));
        using var check = GatewayProcess.Start(["check-sensors", $"--config={file}"]);

        Assert.Equal(1, await check.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("barn7-climate (DHT22): FAILED, NotPresent: no IIO device named dht11 for GPIO 17: add dtoverlay=dht11,gpiopin=17", check.Stdout);
        Assert.Contains("barn7-bme280 (BME280): ok, 3.25 °C", check.Stdout);
        Assert.Contains("1 of 2 sensor(s) gave no reading", check.Stdout);
    }

    [Fact]
    public async Task Run_Dht22WithoutItsOverlay_LogsWhatToAddToConfigTxt_AndTheOtherSensorKeepsRecording()
    {
        var bme280 = Device("bme280", ("in_temp_input", "3250"));
        var file = _dir.Combine("appsettings.json");
        File.WriteAllText(file, JsonSerializer.Serialize(new
        {
            Gateway = new
            {
                DataDirectory = _dir.Combine("data"),
                Sensors = new object[]
                {
                    // GPIO 17 has no dht11 device on this (or any test) machine.
                    new { Name = "barn7-climate", Type = "Dht22", Gpio = 17, Interval = "00:00:02.100" },
                    new { Name = "barn7-bme280", Type = "Iio", DevicePath = bme280, Interval = "00:00:00.200" },
                },
            },
        }));
        using var gateway = GatewayProcess.Start([$"--config={file}"]);

        await Eventually.True(() => gateway.Stdout.Contains("dtoverlay=dht11,gpiopin=17", StringComparison.Ordinal),
            "the overlay advice", TimeSpan.FromSeconds(30), () => gateway.Stdout + gateway.Stderr);
        await Eventually.True(() => Records().Count >= 3, "BME280 records beside the failed DHT22",
            TimeSpan.FromSeconds(30), () => gateway.Stdout + gateway.Stderr);
        gateway.Signal("TERM");
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        Assert.All(Records(), r => Assert.Equal("barn7-bme280", r.GetProperty("sensor").GetString()));
        Assert.Contains("Sensor barn7-climate (DHT22) failed", gateway.Stdout);
    }
}
