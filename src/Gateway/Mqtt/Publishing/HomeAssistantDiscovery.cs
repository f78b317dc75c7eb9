using System.Buffers;
using System.Text;
using System.Text.Json;

namespace FarmGateway.Mqtt.Publishing;

/// <summary>
/// Home Assistant MQTT discovery (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery):
/// one retained config message per entity on
/// <c>&lt;discovery prefix&gt;/sensor/&lt;gateway&gt;/&lt;object&gt;/config</c>; an empty retained message
/// removes the entity. Each barn sensor is a device with one entity per metric; the gateway
/// itself is a device with its health entities. Every entity is unavailable when the gateway's
/// availability topic says offline.
/// </summary>
public sealed class HomeAssistantDiscovery(string gatewayId, LiveTopics topics, string discoveryPrefix = HomeAssistantDiscovery.DefaultPrefix)
{
    public const string DefaultPrefix = "homeassistant";

    /// <summary>Home Assistant announces "online" here when it (re)starts; discovery is then sent again.</summary>
    public string StatusTopic => $"{discoveryPrefix}/status";

    /// <summary>Subscribing here returns the retained configs of this gateway, to find entities of removed sensors.</summary>
    public string OwnConfigsFilter => $"{discoveryPrefix}/sensor/{NodeId}/+/config";

    private string NodeId => ObjectId(gatewayId);

    /// <summary>The device-class, unit and precision Home Assistant documents for each metric we measure.</summary>
    public static readonly IReadOnlyDictionary<string, (string DeviceClass, string Unit, string Name, int Precision)> Metrics =
        new Dictionary<string, (string, string, string, int)>(StringComparer.Ordinal)
        {
            ["temperature"] = ("temperature", "°C", "Temperature", 1),
            ["humidity"] = ("humidity", "%", "Humidity", 0),
            ["co2"] = ("carbon_dioxide", "ppm", "CO2", 0),
            ["pressure"] = ("atmospheric_pressure", "hPa", "Pressure", 0),
        };

    /// <summary>The config topic of one sensor metric.</summary>
    public string SensorConfigTopic(string sensor, string metric) => ConfigTopic($"{sensor}_{metric}");

    /// <summary>A barn sensor's metric as an entity of the sensor's device.</summary>
    /// <param name="expireAfter">After this long without a new state Home Assistant shows the value as unavailable.</param>
    public DiscoveryMessage SensorMetric(string sensor, string model, string metric, TimeSpan expireAfter)
    {
        var (deviceClass, unit, name, precision) = Metrics[metric];
        return new(SensorConfigTopic(sensor, metric), Payload(json =>
        {
            json.WriteString("name", name);
            json.WriteString("unique_id", ObjectId($"{gatewayId}_{sensor}_{metric}"));
            json.WriteString("state_topic", topics.State(sensor));
            json.WriteString("value_template", $"{{{{ value_json.{metric} }}}}");
            json.WriteString("device_class", deviceClass);
            json.WriteString("unit_of_measurement", unit);
            json.WriteString("state_class", "measurement");
            json.WriteNumber("suggested_display_precision", precision);
            json.WriteNumber("expire_after", (int)Math.Ceiling(expireAfter.TotalSeconds));
            Availability(json);
            json.WriteStartObject("device");
            json.WriteStartArray("identifiers");
            json.WriteStringValue(ObjectId($"{gatewayId}_{sensor}"));
            json.WriteEndArray();
            json.WriteString("name", sensor);
            json.WriteString("model", model);
            json.WriteString("via_device", NodeId);
            json.WriteEndObject();
        }));
    }

    /// <summary>The gateway's own health, read from the retained JSON on <see cref="LiveTopics.Health"/>.</summary>
    public IReadOnlyList<DiscoveryMessage> GatewayHealth(string version) =>
    [
        Health("backlog", "Backlog", "backlog", unit: "readings", deviceClass: null, stateClass: "measurement", version),
        Health("oldest_unsent", "Oldest unsent reading age", "oldest_unsent_seconds", unit: "s", deviceClass: "duration", stateClass: "measurement", version),
        Health("last_upload", "Last upload", "last_upload", unit: null, deviceClass: "timestamp", stateClass: null, version),
        Health("dropped", "Dropped readings", "dropped", unit: "readings", deviceClass: null, stateClass: "total_increasing", version),
    ];

    /// <summary>Removes an entity: an empty retained message on its config topic.</summary>
    public static DiscoveryMessage Removal(string configTopic) => new(configTopic, []);

    /// <summary>Of this gateway's retained config topics, those not in <paramref name="keep"/>: entities of sensors removed from config.</summary>
    public static IEnumerable<string> Stale(IEnumerable<string> retainedConfigTopics, IEnumerable<string> keep)
    {
        var kept = keep.ToHashSet(StringComparer.Ordinal);
        return retainedConfigTopics.Where(t => !kept.Contains(t)).Distinct(StringComparer.Ordinal);
    }

    /// <summary>
    /// Every config topic this gateway may own for <paramref name="sensors"/>: each metric of each
    /// (a sensor that has not read yet keeps its entities) and the gateway's health entities.
    /// </summary>
    public IEnumerable<string> OwnConfigTopics(IEnumerable<string> sensors, string version) =>
        sensors.SelectMany(sensor => Metrics.Keys.Select(metric => SensorConfigTopic(sensor, metric)))
            .Concat(GatewayHealth(version).Select(m => m.Topic));

    /// <summary>Home Assistant object ids allow [a-zA-Z0-9_-]; sensor names also allow '.'.</summary>
    public static string ObjectId(string value) => value.Replace('.', '_');

    private DiscoveryMessage Health(string key, string name, string field, string? unit, string? deviceClass, string? stateClass, string version) =>
        new(ConfigTopic($"gateway_{key}"), Payload(json =>
        {
            json.WriteString("name", name);
            json.WriteString("unique_id", ObjectId($"{gatewayId}_gateway_{key}"));
            json.WriteString("state_topic", topics.Health);
            json.WriteString("value_template", $"{{{{ value_json.{field} }}}}");
            if (deviceClass is not null) json.WriteString("device_class", deviceClass);
            if (unit is not null) json.WriteString("unit_of_measurement", unit);
            if (stateClass is not null) json.WriteString("state_class", stateClass);
            json.WriteString("entity_category", "diagnostic");
            Availability(json);
            json.WriteStartObject("device");
            json.WriteStartArray("identifiers");
            json.WriteStringValue(NodeId);
            json.WriteEndArray();
            json.WriteString("name", $"Farm gateway {gatewayId}");
            json.WriteString("model", "farm-gateway");
            json.WriteString("sw_version", version);
            json.WriteEndObject();
        }));

    private void Availability(Utf8JsonWriter json)
    {
        json.WriteString("availability_topic", topics.Availability);
        json.WriteString("payload_available", "online");
        json.WriteString("payload_not_available", "offline");
    }

    private string ConfigTopic(string objectId) => $"{discoveryPrefix}/sensor/{NodeId}/{ObjectId(objectId)}/config";

    private static byte[] Payload(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>A retained message to publish: a config, or an empty payload that removes one.</summary>
public sealed record DiscoveryMessage(string Topic, byte[] Payload)
{
    public override string ToString() => $"{Topic} {Encoding.UTF8.GetString(Payload)}";
}
