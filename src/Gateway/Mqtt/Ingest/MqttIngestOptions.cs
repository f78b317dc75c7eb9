namespace FarmGateway.Mqtt.Ingest;

/// <summary>One entry of <c>Gateway:Mqtt:Ingest</c>: readings other sensor nodes publish on the barn broker.</summary>
public sealed class MqttIngestOptions
{
    /// <summary>Topic filter to subscribe to (QoS 1), e.g. esp/+/sensor. Required.</summary>
    public string? Topic { get; set; }

    /// <summary>Which level of the topic (1 = first) is the sensor name, e.g. 2 for esp/&lt;name&gt;/sensor. Required.</summary>
    public int? SensorFromTopicLevel { get; set; }

    /// <summary>Json (an object with temperature, humidity, co2, pressure and an optional ts) or Number (one bare value). Default Json.</summary>
    public IngestFormat Format { get; set; } = IngestFormat.Json;

    /// <summary>Format Number only: which metric the number is. Required then.</summary>
    public IngestMetric? Metric { get; set; }

    /// <summary>The record's model for these readings. Default MQTT.</summary>
    public string Model { get; set; } = "MQTT";
}
