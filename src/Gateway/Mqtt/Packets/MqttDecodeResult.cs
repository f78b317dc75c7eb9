namespace FarmGateway.Mqtt.Packets;

public enum MqttDecodeStatus
{
    /// <summary>A whole packet was decoded; <see cref="MqttDecodeResult.Consumed"/> bytes were used.</summary>
    Packet,

    /// <summary>The bytes so far are a valid beginning; read more and try again.</summary>
    NeedMore,

    /// <summary>The bytes are not valid MQTT; the connection must be closed.</summary>
    Error,
}

/// <summary>The outcome of decoding one packet from the start of a buffer. Never an exception.</summary>
public readonly record struct MqttDecodeResult(MqttDecodeStatus Status, MqttInboundPacket? Packet, int Consumed, MqttProtocolError? Error)
{
    public static readonly MqttDecodeResult NeedMore = new(MqttDecodeStatus.NeedMore, null, 0, null);

    public static MqttDecodeResult Decoded(MqttInboundPacket packet, int consumed) => new(MqttDecodeStatus.Packet, packet, consumed, null);

    public static MqttDecodeResult Malformed(string reason) => new(MqttDecodeStatus.Error, null, 0, new MqttProtocolError(reason));
}
