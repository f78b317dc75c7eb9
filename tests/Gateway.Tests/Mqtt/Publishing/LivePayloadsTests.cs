using System.Text.Json;
using FarmGateway.Drivers;
using FarmGateway.Journal;
using FarmGateway.Mqtt.Publishing;
using FarmGateway.Readings;
using FarmGateway.Sources;
using FarmGateway.Status;
using FarmGateway.Uplinks;

namespace FarmGateway.Tests.Mqtt.Publishing;

public sealed class LivePayloadsTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 5, 30, 0, 123, TimeSpan.Zero);

    [Fact]
    public void State_HasTheRecordsMetricNames_AndLeavesOutWhatTheSensorLacks()
    {
        var reading = new Reading("barn3-climate", "DHT22", At, true, new ClimateSample(-2.5, 91.2));

        var state = JsonDocument.Parse(LivePayloads.State(reading)).RootElement;

        Assert.Equal(-2.5, state.GetProperty("temperature").GetDouble());
        Assert.Equal(91.2, state.GetProperty("humidity").GetDouble());
        Assert.False(state.TryGetProperty("co2", out _));
        Assert.Equal("2026-12-06T05:30:00.123Z", state.GetProperty("ts").GetString());
        Assert.Equal("DHT22", state.GetProperty("model").GetString());
    }

    [Fact]
    public void Health_TakesTheSlowestUplink_TheLatestUpload_DropsAndFailedSensors()
    {
        var snapshot = new GatewaySnapshot
        {
            GatewayId = "barn-3",
            At = At,
            Journal = new JournalStats { Epoch = "e1" },
            Dropped = new Dictionary<string, long> { ["queue full"] = 2, ["implausible"] = 3 },
            SensorHealth = [new SensorSnapshot { Name = "a", Model = "DHT22", State = SensorState.Failed }],
            Uplinks =
            [
                new UplinkSnapshot { Name = "file", Backlog = 0, LastSuccess = At.AddSeconds(-1) },
                new UplinkSnapshot { Name = "kinesis", Backlog = 4200, OldestUnsentAge = TimeSpan.FromMinutes(7.5), LastSuccess = At.AddHours(-2) },
            ],
        };

        var health = JsonDocument.Parse(LivePayloads.Health(snapshot)).RootElement;

        Assert.Equal(4200, health.GetProperty("backlog").GetInt64());
        Assert.Equal(450, health.GetProperty("oldest_unsent_seconds").GetDouble());
        Assert.Equal("2026-12-06T05:29:59.123Z", health.GetProperty("last_upload").GetString());
        Assert.Equal(5, health.GetProperty("dropped").GetInt64());
        Assert.Equal(1, health.GetProperty("sensors_failed").GetInt32());
    }

    [Fact]
    public void Health_BeforeAnyUpload_SaysNull()
    {
        var snapshot = new GatewaySnapshot { GatewayId = "g", At = At, Journal = new JournalStats { Epoch = "e1" }, Uplinks = [new UplinkSnapshot { Name = "file" }] };

        var health = JsonDocument.Parse(LivePayloads.Health(snapshot)).RootElement;

        Assert.Equal(JsonValueKind.Null, health.GetProperty("last_upload").ValueKind);
        Assert.Equal(0, health.GetProperty("oldest_unsent_seconds").GetDouble());
    }
}
