using System.Text;
using System.Text.Json;
using FarmGateway.Mqtt.Packets;
using FarmGateway.Mqtt.Publishing;

namespace FarmGateway.Tests.Mqtt.Publishing;

public sealed class HomeAssistantDiscoveryTests
{
    // Units Home Assistant accepts per sensor device class (https://www.home-assistant.io/integrations/sensor/#device-class).
    private static readonly Dictionary<string, string?[]> UnitsByDeviceClass = new()
    {
        ["temperature"] = ["°C", "°F", "K"],
        ["humidity"] = ["%"],
        ["carbon_dioxide"] = ["ppm"],
        ["atmospheric_pressure"] = ["cbar", "bar", "hPa", "mmHg", "inHg", "kPa", "mbar", "Pa", "psi"],
        ["duration"] = ["d", "h", "min", "s", "ms"],
        ["timestamp"] = [null],
    };

    private static readonly JsonSchemaValidator Schema = JsonSchemaValidator.FromFile(
        Path.Combine(RepositoryRoot.Path, "tests", "Gateway.Tests", "Mqtt", "Publishing", "home-assistant-mqtt-sensor.schema.json"));

    private readonly HomeAssistantDiscovery _discovery = new("barn.3", new LiveTopics("farm/barn-3"));

    private IReadOnlyList<DiscoveryMessage> All() =>
    [
        .. HomeAssistantDiscovery.Metrics.Keys.Select(m => _discovery.SensorMetric("barn3-co2", "SCD30", m, TimeSpan.FromSeconds(90))),
        .. _discovery.GatewayHealth("1.0.0"),
    ];

    [Fact]
    public void EveryConfig_MatchesTheDocumentedSchema_WithAUnitHomeAssistantAcceptsForItsDeviceClass()
    {
        foreach (var message in All())
        {
            using var payload = JsonDocument.Parse(message.Payload);
            var config = payload.RootElement;
            Assert.Empty(Schema.Validate(config));
            if (config.TryGetProperty("device_class", out var deviceClass))
            {
                var unit = config.TryGetProperty("unit_of_measurement", out var u) ? u.GetString() : null;
                Assert.Contains(unit, UnitsByDeviceClass[deviceClass.GetString()!]);
                // Home Assistant refuses a state_class on timestamp sensors.
                if (deviceClass.GetString() == "timestamp") Assert.False(config.TryGetProperty("state_class", out _));
            }
        }
    }

    [Fact]
    public void Schema_RefusesAMisspeltKeyAndAnUnknownDeviceClass()
    {
        var good = Encoding.UTF8.GetString(_discovery.SensorMetric("s1", "DHT22", "temperature", TimeSpan.FromMinutes(1)).Payload);

        Assert.NotEmpty(Schema.Validate(JsonDocument.Parse(good.Replace("unit_of_measurement", "unit_of_measurment")).RootElement));
        Assert.NotEmpty(Schema.Validate(JsonDocument.Parse(good.Replace("\"temperature\"", "\"temp\"")).RootElement));
        Assert.NotEmpty(Schema.Validate(JsonDocument.Parse(good.Replace("\"via_device\"", "\"via\"")).RootElement));
    }

    [Fact]
    public void SensorMetric_IsAnEntityOfTheSensorsDevice_ReadingItsRetainedState()
    {
        var message = _discovery.SensorMetric("barn3-co2", "SCD30", "co2", TimeSpan.FromSeconds(89.2));

        Assert.Equal("homeassistant/sensor/barn_3/barn3-co2_co2/config", message.Topic);
        Assert.Null(MqttTopic.CheckName(message.Topic));
        var config = JsonDocument.Parse(message.Payload).RootElement;
        Assert.Equal("farm/barn-3/barn3-co2/state", config.GetProperty("state_topic").GetString());
        Assert.Equal("{{ value_json.co2 }}", config.GetProperty("value_template").GetString());
        Assert.Equal(("carbon_dioxide", "ppm", "measurement"), (config.GetProperty("device_class").GetString(),
            config.GetProperty("unit_of_measurement").GetString(), config.GetProperty("state_class").GetString()));
        Assert.Equal(90, config.GetProperty("expire_after").GetInt32());
        Assert.Equal("farm/barn-3/status", config.GetProperty("availability_topic").GetString());
        var device = config.GetProperty("device");
        Assert.Equal("barn_3_barn3-co2", device.GetProperty("identifiers")[0].GetString());
        Assert.Equal(("barn3-co2", "SCD30", "barn_3"), (device.GetProperty("name").GetString(),
            device.GetProperty("model").GetString(), device.GetProperty("via_device").GetString()));
    }

    [Fact]
    public void UniqueIdsAndTopics_AreDistinct_AndHealthEntitiesAreDiagnosticsOfTheGatewayDevice()
    {
        var all = All();
        var configs = all.Select(m => JsonDocument.Parse(m.Payload).RootElement).ToList();

        Assert.Equal(all.Count, all.Select(m => m.Topic).Distinct().Count());
        Assert.Equal(all.Count, configs.Select(c => c.GetProperty("unique_id").GetString()).Distinct().Count());
        var health = configs.Where(c => c.GetProperty("state_topic").GetString() == "farm/barn-3/health").ToList();
        Assert.Equal(4, health.Count);
        Assert.All(health, c =>
        {
            Assert.Equal("diagnostic", c.GetProperty("entity_category").GetString());
            Assert.Equal("barn_3", c.GetProperty("device").GetProperty("identifiers")[0].GetString());
        });
    }

    [Fact]
    public void Stale_FindsTheConfigsOfSensorsNoLongerConfigured_AndRemovalIsAnEmptyPayload()
    {
        // barn3-co2 is configured (not read yet), old-dht was removed.
        var keep = _discovery.OwnConfigTopics(["barn3-co2"], "1.0.0").ToList();
        var retained = new[]
        {
            "homeassistant/sensor/barn_3/barn3-co2_co2/config",
            "homeassistant/sensor/barn_3/gateway_backlog/config",
            "homeassistant/sensor/barn_3/old-dht_temperature/config",
        };

        var stale = Assert.Single(HomeAssistantDiscovery.Stale(retained, keep));

        Assert.Equal("homeassistant/sensor/barn_3/old-dht_temperature/config", stale);
        Assert.Empty(HomeAssistantDiscovery.Removal(stale).Payload);
        Assert.True(MqttTopic.Matches(_discovery.OwnConfigsFilter, stale));
        Assert.Equal("homeassistant/status", _discovery.StatusTopic);
    }
}
