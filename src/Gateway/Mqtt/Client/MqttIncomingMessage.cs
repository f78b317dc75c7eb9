using FarmGateway.Mqtt.Packets;

namespace FarmGateway.Mqtt.Client;

/// <summary>
/// A message the broker delivered. For QoS 1 the client sends PUBACK only once the handler's
/// task completed successfully; <see cref="Dup"/> says the broker may have delivered it before.
/// </summary>
public sealed record MqttIncomingMessage(string Topic, ReadOnlyMemory<byte> Payload, MqttQos Qos, bool Retain, bool Dup);
