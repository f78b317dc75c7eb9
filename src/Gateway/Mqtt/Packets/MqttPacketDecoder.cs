using System.Buffers.Binary;

namespace FarmGateway.Mqtt.Packets;

/// <summary>
/// Decodes what a server sends to a client. Strict and bounded: the fixed header's reserved flag
/// bits are checked per type [MQTT-2.2.2-2], the remaining length has at most 4 bytes and the
/// whole packet at most <c>maxPacketBytes</c> (checked before the body arrives, so a hostile
/// length never makes us buffer it), strings are well-formed UTF-8 without U+0000, topic names
/// carry no wildcards, QoS 1 packet ids are not 0. It never throws on input bytes: every input
/// is a packet, "need more" or a <see cref="MqttProtocolError"/>.
/// </summary>
public static class MqttPacketDecoder
{
    public const int DefaultMaxPacketBytes = 256 * 1024;

    public static MqttDecodeResult Decode(ReadOnlySpan<byte> buffer, int maxPacketBytes = DefaultMaxPacketBytes)
    {
        if (buffer.Length < 2) return MqttDecodeResult.NeedMore;
        var first = buffer[0];
        var type = (MqttPacketType)(first >> 4);
        var flags = first & 0x0F;
        if (CheckFlags(type, flags) is { } flagProblem) return MqttDecodeResult.Malformed(flagProblem);

        switch (MqttRemainingLength.TryRead(buffer[1..], out var remaining, out var lengthBytes))
        {
            case MqttLengthStatus.NeedMore:
                return MqttDecodeResult.NeedMore;
            case MqttLengthStatus.Malformed:
                return MqttDecodeResult.Malformed("remaining length is longer than 4 bytes");
        }
        var headerBytes = 1 + lengthBytes;
        if ((long)headerBytes + remaining > maxPacketBytes)
            return MqttDecodeResult.Malformed($"{type} of {headerBytes + (long)remaining} bytes is larger than the maximum packet size of {maxPacketBytes} bytes");
        if (buffer.Length < headerBytes + remaining) return MqttDecodeResult.NeedMore;

        var body = buffer.Slice(headerBytes, remaining);
        var consumed = headerBytes + remaining;
        return type switch
        {
            MqttPacketType.ConnAck => ConnAck(body, consumed),
            MqttPacketType.Publish => Publish(body, flags, consumed),
            MqttPacketType.PubAck => IdOnly(body, consumed, type, id => new MqttPubAckPacket(id)),
            MqttPacketType.SubAck => SubAck(body, consumed),
            MqttPacketType.UnsubAck => IdOnly(body, consumed, type, id => new MqttUnsubAckPacket(id)),
            MqttPacketType.PingResp => body.Length == 0
                ? MqttDecodeResult.Decoded(MqttPingRespPacket.Instance, consumed)
                : MqttDecodeResult.Malformed($"PINGRESP with remaining length {body.Length}, expected 0"),
            _ => MqttDecodeResult.Malformed($"packet type {(int)type} ({type}) is not one a server sends to this client"),
        };
    }

    private static string? CheckFlags(MqttPacketType type, int flags)
    {
        var expected = type switch
        {
            MqttPacketType.Publish => -1,
            MqttPacketType.PubRel or MqttPacketType.Subscribe or MqttPacketType.Unsubscribe => 0b0010,
            _ => 0,
        };
        if (type == 0 || (int)type == 15) return $"reserved packet type {(int)type}";
        if (expected >= 0 && flags != expected)
            return $"{type} with fixed-header flags {Convert.ToString(flags, 2).PadLeft(4, '0')}, expected {Convert.ToString(expected, 2).PadLeft(4, '0')} [MQTT-2.2.2-2]";
        return null;
    }

    private static MqttDecodeResult ConnAck(ReadOnlySpan<byte> body, int consumed)
    {
        if (body.Length != 2) return MqttDecodeResult.Malformed($"CONNACK with remaining length {body.Length}, expected 2");
        if ((body[0] & 0xFE) != 0) return MqttDecodeResult.Malformed($"CONNACK with reserved acknowledge flags 0x{body[0]:X2} [MQTT-3.2.2-1]");
        if (body[1] > 5) return MqttDecodeResult.Malformed($"CONNACK with reserved return code {body[1]}");
        if (body[1] != 0 && body[0] != 0) return MqttDecodeResult.Malformed("CONNACK refusing the connection with session present set [MQTT-3.2.2-4]");
        return MqttDecodeResult.Decoded(new MqttConnAckPacket((body[0] & 1) == 1, body[1]), consumed);
    }

    private static MqttDecodeResult Publish(ReadOnlySpan<byte> body, int flags, int consumed)
    {
        var qos = (flags >> 1) & 0b11;
        var dup = (flags & 0b1000) != 0;
        var retain = (flags & 1) != 0;
        if (qos == 3) return MqttDecodeResult.Malformed("PUBLISH with QoS 3 [MQTT-3.3.1-4]");
        if (qos == 2) return MqttDecodeResult.Malformed("PUBLISH with QoS 2, which this client never subscribes with");
        if (qos == 0 && dup) return MqttDecodeResult.Malformed("PUBLISH with QoS 0 and DUP set [MQTT-3.3.1-2]");
        if (body.Length < 2) return MqttDecodeResult.Malformed("PUBLISH too short for its topic length");
        var topicLength = BinaryPrimitives.ReadUInt16BigEndian(body);
        var idLength = qos == 0 ? 0 : 2;
        if (body.Length < 2 + topicLength + idLength)
            return MqttDecodeResult.Malformed($"PUBLISH topic of {topicLength} bytes{(idLength > 0 ? " and packet id" : "")} do not fit its remaining length {body.Length}");
        var topicBytes = body.Slice(2, topicLength);
        if (topicLength == 0) return MqttDecodeResult.Malformed("PUBLISH with an empty topic name [MQTT-4.7.3-1]");
        if (MqttString.Check(topicBytes) is { } problem) return MqttDecodeResult.Malformed($"PUBLISH topic name {problem} [MQTT-1.5.3]");
        if (topicBytes.IndexOfAny((byte)'+', (byte)'#') >= 0) return MqttDecodeResult.Malformed("PUBLISH topic name contains a wildcard [MQTT-3.3.2-2]");
        ushort packetId = 0;
        if (qos > 0)
        {
            packetId = BinaryPrimitives.ReadUInt16BigEndian(body[(2 + topicLength)..]);
            if (packetId == 0) return MqttDecodeResult.Malformed("PUBLISH QoS 1 with packet id 0 [MQTT-2.3.1-1]");
        }
        var topic = MqttString.StrictUtf8.GetString(topicBytes);
        var payload = body[(2 + topicLength + idLength)..].ToArray();
        return MqttDecodeResult.Decoded(new MqttPublishPacket(topic, payload, (MqttQos)qos, retain, dup, packetId), consumed);
    }

    private static MqttDecodeResult SubAck(ReadOnlySpan<byte> body, int consumed)
    {
        if (body.Length < 3) return MqttDecodeResult.Malformed($"SUBACK with remaining length {body.Length}, expected a packet id and at least one return code");
        var id = BinaryPrimitives.ReadUInt16BigEndian(body);
        if (id == 0) return MqttDecodeResult.Malformed("SUBACK with packet id 0 [MQTT-2.3.1-1]");
        var codes = body[2..].ToArray();
        foreach (var code in codes)
        {
            if (code > 2 && code != MqttSubAckPacket.Failure)
                return MqttDecodeResult.Malformed($"SUBACK with reserved return code 0x{code:X2} [MQTT-3.9.3-2]");
        }
        return MqttDecodeResult.Decoded(new MqttSubAckPacket(id, codes), consumed);
    }

    private static MqttDecodeResult IdOnly(ReadOnlySpan<byte> body, int consumed, MqttPacketType type, Func<ushort, MqttInboundPacket> create)
    {
        if (body.Length != 2) return MqttDecodeResult.Malformed($"{type} with remaining length {body.Length}, expected 2");
        var id = BinaryPrimitives.ReadUInt16BigEndian(body);
        return id == 0
            ? MqttDecodeResult.Malformed($"{type} with packet id 0 [MQTT-2.3.1-1]")
            : MqttDecodeResult.Decoded(create(id), consumed);
    }
}
