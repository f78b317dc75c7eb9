using FarmGateway.Drivers;
using FarmGateway.Journal;
using FarmGateway.Sources;
using FarmGateway.Status;
using FarmGateway.Tests.Testing;
using FarmGateway.Uplinks;
using Microsoft.Extensions.Options;

namespace FarmGateway.Tests.Status;

public sealed class GatewayStatusTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new();
    private readonly SensorHealthRegistry _sensors = new();
    private readonly DiskJournal _journal;
    private readonly GatewayStatus _status;

    public GatewayStatusTests()
    {
        var options = Options.Create(TestOptions.Gateway(_dir.Path, o => o.Sensors =
        [
            new SensorOptions { Name = "barn-dht", Type = SensorType.Dht22, Gpio = 4 },
            new SensorOptions { Name = "barn-co2", Type = SensorType.Scd30 },
        ]));
        _journal = DiskJournal.Open(_dir.Combine("journal"), new JournalOptions(), _time);
        _status = new GatewayStatus(new GatewayCounters(), _journal, new UplinkStatuses(), _sensors, options, _time);
    }

    public void Dispose()
    {
        _journal.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void Snapshot_ShowsEachSensorsHealth_AndTheSummaryCountsFailedSensors()
    {
        var readAt = _time.GetUtcNow();
        var dht = _sensors.Add("barn-dht", "DHT22");
        dht.Succeeded(new ClimateSample(21.5, 60), readAt);
        dht.Failed(new SensorError(SensorErrorKind.ChecksumMismatch, "checksum mismatch", 5), readAt.AddSeconds(10));
        var co2 = _sensors.Add("barn-co2", "SCD30");
        co2.Failed(new SensorError(SensorErrorKind.Busy, "address 0x61 on /dev/i2c-1 busy: a kernel driver owns the SCD30", 16), readAt);

        var snapshot = _status.Snapshot();

        var (first, second) = (snapshot.SensorHealth[0], snapshot.SensorHealth[1]);
        Assert.Equal(("barn-co2", SensorState.Failed, 1), (first.Name, first.State, first.ConsecutiveFailures));
        Assert.Equal("Busy: address 0x61 on /dev/i2c-1 busy: a kernel driver owns the SCD30 (errno 16)", first.LastError);
        Assert.Null(first.LastGood);
        Assert.Equal(("barn-dht", "DHT22", SensorState.Degraded), (second.Name, second.Model, second.State));
        Assert.Equal((21.5, readAt), (second.LastGood?.TemperatureC, second.LastGoodAt));
        Assert.Equal(1, second.FailuresByKind["ChecksumMismatch"]);
        Assert.StartsWith("2 sensor(s) (1 failed), ", _status.Summary());
    }
}
