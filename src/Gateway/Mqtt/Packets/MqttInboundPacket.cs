namespace FarmGateway.Mqtt.Packets;

/// <summary>A packet a server sends to a client, as decoded by <see cref="MqttPacketDecoder"/>.</summary>
public abstract record MqttInboundPacket;

/// <summary>CONNACK (spec 3.2): return code 0 accepts the connection.</summary>
public sealed record MqttConnAckPacket(bool SessionPresent, byte ReturnCode) : MqttInboundPacket;

/// <summary>PUBLISH (spec 3.3). <see cref="PacketId"/> is 0 for QoS 0. The payload is a copy, never a view of a read buffer.</summary>
public sealed record MqttPublishPacket(string Topic, ReadOnlyMemory<byte> Payload, MqttQos Qos, bool Retain, bool Dup, ushort PacketId) : MqttInboundPacket;

/// <summary>PUBACK (spec 3.4).</summary>
public sealed record MqttPubAckPacket(ushort PacketId) : MqttInboundPacket;

/// <summary>SUBACK (spec 3.9): one return code per filter, 0x00-0x02 granted QoS or 0x80 failure.</summary>
public sealed record MqttSubAckPacket(ushort PacketId, IReadOnlyList<byte> ReturnCodes) : MqttInboundPacket
{
    public const byte Failure = 0x80;
}

/// <summary>UNSUBACK (spec 3.11).</summary>
public sealed record MqttUnsubAckPacket(ushort PacketId) : MqttInboundPacket;

/// <summary>PINGRESP (spec 3.13).</summary>
public sealed record MqttPingRespPacket : MqttInboundPacket
{
    public static readonly MqttPingRespPacket Instance = new();
}
