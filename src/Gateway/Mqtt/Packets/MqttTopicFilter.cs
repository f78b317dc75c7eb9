namespace FarmGateway.Mqtt.Packets;

/// <summary>A subscription: a topic filter (may hold + and #) and the highest QoS asked for.</summary>
public sealed record MqttTopicFilter(string Filter, MqttQos Qos = MqttQos.AtLeastOnce);
