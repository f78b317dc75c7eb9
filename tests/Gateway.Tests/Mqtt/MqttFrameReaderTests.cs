using FarmGateway.Mqtt.Packets;

namespace FarmGateway.Tests.Mqtt;

public sealed class MqttFrameReaderTests
{
    private static readonly byte[] Stream = Convert.FromHexString(
        "20020000" + "3B090003612F6212340102" + "D000" + "90050007000180" + "40020102");

    [Fact]
    public void ReadNext_BytesSplitAtEveryPossiblePoint_ReassemblesTheSamePackets()
    {
        var expected = ReadAll(new MqttFrameReader(), [Stream]);
        Assert.Equal(5, expected.Count);

        for (var cut = 1; cut < Stream.Length; cut++)
        {
            var packets = ReadAll(new MqttFrameReader(), [Stream[..cut], Stream[cut..]]);
            Assert.Equal(expected.Select(Describe), packets.Select(Describe));
        }
    }

    [Fact]
    public void ReadNext_OneByteAtATime_ReassemblesEverything()
    {
        var packets = ReadAll(new MqttFrameReader(), Stream.Select(b => new[] { b }).ToArray());

        Assert.Equal(5, packets.Count);
        Assert.Equal("a/b", Assert.IsType<MqttPublishPacket>(packets[1]).Topic);
    }

    [Fact]
    public void ReadNext_LargePayloadInSmallPieces_GrowsTheBufferAndDecodes()
    {
        var payload = new byte[100_000];
        new Random(7).NextBytes(payload);
        var frame = MqttPacketEncoder.Publish("big", payload, MqttQos.AtMostOnce, false, false, 0);
        frame[0] = 0x30; // as a server would send it
        var pieces = frame.Chunk(1000).ToArray();

        var packets = ReadAll(new MqttFrameReader(), pieces);

        Assert.Equal(payload, Assert.IsType<MqttPublishPacket>(Assert.Single(packets)).Payload.ToArray());
    }

    [Fact]
    public void ReadNext_PacketLargerThanMaximum_IsAnErrorAfterTheHeader()
    {
        var reader = new MqttFrameReader(maxPacketBytes: 64);
        reader.Append([0x30, 0x80, 0x01]);

        Assert.Equal(MqttDecodeStatus.Error, reader.ReadNext().Status);
    }

    [Fact]
    public void ReadNext_DecodedPayload_DoesNotShareTheReadBuffer()
    {
        var reader = new MqttFrameReader();
        reader.Append(Convert.FromHexString("3003000174" + "3004000174FF"));
        var first = Assert.IsType<MqttPublishPacket>(reader.ReadNext().Packet);
        var second = Assert.IsType<MqttPublishPacket>(reader.ReadNext().Packet);
        reader.Append(new byte[5000]);

        Assert.Equal(0, first.Payload.Length);
        Assert.Equal([0xFF], second.Payload.ToArray());
        Assert.Equal(5000, reader.Buffered);
    }

    private static List<MqttInboundPacket> ReadAll(MqttFrameReader reader, byte[][] pieces)
    {
        var packets = new List<MqttInboundPacket>();
        foreach (var piece in pieces)
        {
            reader.Append(piece);
            while (true)
            {
                var result = reader.ReadNext();
                Assert.NotEqual(MqttDecodeStatus.Error, result.Status);
                if (result.Status == MqttDecodeStatus.NeedMore) break;
                packets.Add(result.Packet!);
            }
        }
        Assert.Equal(0, reader.Buffered);
        return packets;
    }

    private static string Describe(MqttInboundPacket packet) => packet switch
    {
        MqttPublishPacket p => $"{p.Topic} {p.PacketId} {Convert.ToHexString(p.Payload.Span)} {p.Dup} {p.Retain}",
        MqttSubAckPacket s => $"SUBACK {s.PacketId} {Convert.ToHexString([.. s.ReturnCodes])}",
        _ => packet.ToString(),
    };
}
