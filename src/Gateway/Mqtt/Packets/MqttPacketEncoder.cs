using System.Buffers.Binary;
using System.Text;

namespace FarmGateway.Mqtt.Packets;

/// <summary>
/// Encodes the packets a client sends (spec chapter 3). Inputs are checked by the caller
/// (<see cref="MqttTopic"/>, <see cref="MqttString"/>); a bad argument here is a programming
/// error and throws <see cref="ArgumentException"/>.
/// </summary>
public static class MqttPacketEncoder
{
    private static readonly byte[] ProtocolName = MqttString.Encode("MQTT");
    private const byte ProtocolLevel = 4; // 3.1.1, spec 3.1.2.2

    public static byte[] Connect(MqttConnectPacket connect)
    {
        if (connect.Password is not null && connect.Username is null)
            throw new ArgumentException("A password needs a user name [MQTT-3.1.2-22]", nameof(connect));
        byte flags = 0;
        if (connect.CleanSession) flags |= 0x02;
        if (connect.Will is { } will)
        {
            flags |= 0x04;
            flags |= (byte)((byte)will.Qos << 3);
            if (will.Retain) flags |= 0x20;
        }
        if (connect.Password is not null) flags |= 0x40;
        if (connect.Username is not null) flags |= 0x80;

        var body = new List<byte>(64);
        body.AddRange(ProtocolName);
        body.Add(ProtocolLevel);
        body.Add(flags);
        AddUInt16(body, connect.KeepAliveSeconds);
        // Payload order is fixed: client id, will topic, will message, user name, password (spec 3.1.3).
        body.AddRange(MqttString.Encode(connect.ClientId));
        if (connect.Will is { } w)
        {
            if (MqttTopic.CheckName(w.Topic) is { } problem) throw new ArgumentException($"Will {problem}", nameof(connect));
            body.AddRange(MqttString.Encode(w.Topic));
            body.AddRange(MqttString.EncodeBinary(w.Payload.Span));
        }
        if (connect.Username is not null) body.AddRange(MqttString.Encode(connect.Username));
        if (connect.Password is not null) body.AddRange(MqttString.EncodeBinary(Encoding.UTF8.GetBytes(connect.Password)));
        return Frame(0x10, body);
    }

    public static byte[] Publish(string topic, ReadOnlySpan<byte> payload, MqttQos qos, bool retain, bool dup, ushort packetId)
    {
        if (MqttTopic.CheckName(topic) is { } problem) throw new ArgumentException(problem, nameof(topic));
        if (qos == MqttQos.AtMostOnce && (dup || packetId != 0))
            throw new ArgumentException("QoS 0 has neither DUP nor a packet id [MQTT-3.3.1-2]", nameof(qos));
        if (qos != MqttQos.AtMostOnce && packetId == 0) throw new ArgumentException("QoS 1 needs a packet id other than 0", nameof(packetId));
        var topicBytes = MqttString.Encode(topic);
        var remaining = (long)topicBytes.Length + (qos == MqttQos.AtMostOnce ? 0 : 2) + payload.Length;
        if (remaining > MqttRemainingLength.Max) throw new ArgumentException($"PUBLISH of {remaining} bytes is larger than MQTT allows", nameof(payload));

        var header = (byte)(0x30 | ((byte)qos << 1));
        if (dup) header |= 0x08;
        if (retain) header |= 0x01;
        var packet = new byte[1 + MqttRemainingLength.SizeOf((int)remaining) + remaining];
        packet[0] = header;
        var offset = 1 + MqttRemainingLength.Write(packet.AsSpan(1), (int)remaining);
        topicBytes.CopyTo(packet, offset);
        offset += topicBytes.Length;
        if (qos != MqttQos.AtMostOnce)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(offset), packetId);
            offset += 2;
        }
        payload.CopyTo(packet.AsSpan(offset));
        return packet;
    }

    public static byte[] PubAck(ushort packetId) => [0x40, 0x02, (byte)(packetId >> 8), (byte)packetId];

    public static byte[] Subscribe(ushort packetId, IReadOnlyList<MqttTopicFilter> filters)
    {
        if (filters.Count == 0) throw new ArgumentException("SUBSCRIBE needs at least one filter [MQTT-3.8.3-3]", nameof(filters));
        var body = new List<byte>(32);
        AddUInt16(body, CheckId(packetId));
        foreach (var filter in filters)
        {
            if (MqttTopic.CheckFilter(filter.Filter) is { } problem) throw new ArgumentException(problem, nameof(filters));
            body.AddRange(MqttString.Encode(filter.Filter));
            body.Add((byte)filter.Qos);
        }
        return Frame(0x82, body); // reserved bits 0010 [MQTT-3.8.1-1]
    }

    public static byte[] Unsubscribe(ushort packetId, IReadOnlyList<string> filters)
    {
        if (filters.Count == 0) throw new ArgumentException("UNSUBSCRIBE needs at least one filter [MQTT-3.10.3-2]", nameof(filters));
        var body = new List<byte>(32);
        AddUInt16(body, CheckId(packetId));
        foreach (var filter in filters)
        {
            if (MqttTopic.CheckFilter(filter) is { } problem) throw new ArgumentException(problem, nameof(filters));
            body.AddRange(MqttString.Encode(filter));
        }
        return Frame(0xA2, body); // reserved bits 0010 [MQTT-3.10.1-1]
    }

    public static byte[] PingReq() => [0xC0, 0x00];

    public static byte[] Disconnect() => [0xE0, 0x00];

    private static ushort CheckId(ushort packetId) =>
        packetId != 0 ? packetId : throw new ArgumentException("Packet id 0 is not allowed [MQTT-2.3.1-1]", nameof(packetId));

    private static void AddUInt16(List<byte> body, ushort value)
    {
        body.Add((byte)(value >> 8));
        body.Add((byte)value);
    }

    private static byte[] Frame(byte header, List<byte> body)
    {
        if (body.Count > MqttRemainingLength.Max) throw new ArgumentException("Packet is larger than MQTT allows", nameof(body));
        var packet = new byte[1 + MqttRemainingLength.SizeOf(body.Count) + body.Count];
        packet[0] = header;
        var offset = 1 + MqttRemainingLength.Write(packet.AsSpan(1), body.Count);
        body.CopyTo(packet, offset);
        return packet;
    }
}
