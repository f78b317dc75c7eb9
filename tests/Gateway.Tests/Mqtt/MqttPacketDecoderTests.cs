using FarmGateway.Mqtt.Packets;

namespace FarmGateway.Tests.Mqtt;

public sealed class MqttPacketDecoderTests
{
    private static MqttDecodeResult Decode(string hex, int max = MqttPacketDecoder.DefaultMaxPacketBytes) =>
        MqttPacketDecoder.Decode(Convert.FromHexString(hex), max);

    private static T Decoded<T>(string hex) where T : MqttInboundPacket
    {
        var result = Decode(hex);
        Assert.True(result.Status == MqttDecodeStatus.Packet, $"{result.Status}: {result.Error}");
        Assert.Equal(hex.Length / 2, result.Consumed);
        return Assert.IsType<T>(result.Packet);
    }

    private static string ErrorOf(string hex, int max = MqttPacketDecoder.DefaultMaxPacketBytes)
    {
        var result = Decode(hex, max);
        Assert.Equal(MqttDecodeStatus.Error, result.Status);
        return result.Error!.Reason;
    }

    [Fact]
    public void Decode_ConnAckAcceptedWithSession_ReadsBoth()
    {
        Assert.Equal(new MqttConnAckPacket(true, 0), Decoded<MqttConnAckPacket>("20020100"));
    }

    [Fact]
    public void Decode_ConnAckRefusedNotAuthorized_ReadsCode5()
    {
        Assert.Equal(5, Decoded<MqttConnAckPacket>("20020005").ReturnCode);
    }

    [Theory]
    [InlineData("20020200", "acknowledge flags")]
    [InlineData("20020006", "return code")]
    [InlineData("21020000", "flags")]
    [InlineData("200100", "remaining length")]
    public void Decode_BadConnAck_IsAnError(string hex, string expected)
    {
        Assert.Contains(expected, ErrorOf(hex));
    }

    [Fact]
    public void Decode_PublishQos1WithDup_ReadsEverything()
    {
        var publish = Decoded<MqttPublishPacket>("3B09" + "0003612F62" + "1234" + "0102");

        Assert.Equal("a/b", publish.Topic);
        Assert.Equal(MqttQos.AtLeastOnce, publish.Qos);
        Assert.True(publish.Dup);
        Assert.True(publish.Retain);
        Assert.Equal(0x1234, publish.PacketId);
        Assert.Equal([1, 2], publish.Payload.ToArray());
    }

    [Fact]
    public void Decode_PublishQos0EmptyPayload_IsValid()
    {
        var publish = Decoded<MqttPublishPacket>("3003000174");
        Assert.Equal(0, publish.Payload.Length);
        Assert.Equal(0, publish.PacketId);
    }

    [Theory]
    [InlineData("3605000174AAAA", "QoS 3")]
    [InlineData("3405000174AAAA", "QoS 2")]
    [InlineData("3803000174", "DUP")]
    [InlineData("32050001740000", "packet id 0")]
    [InlineData("3003000123", "wildcard")]
    [InlineData("300300012B", "wildcard")]
    [InlineData("30020000", "empty topic")]
    [InlineData("3003000100", "U+0000")]
    [InlineData("30040002C328", "UTF-8")]
    [InlineData("30050003EDA080", "UTF-8")] // an encoded surrogate U+D800
    [InlineData("300400057478", "do not fit")]
    [InlineData("320300017478", "do not fit")]
    [InlineData("3001FF", "too short")]
    public void Decode_MalformedPublish_IsAnError(string hex, string expected)
    {
        Assert.Contains(expected, ErrorOf(hex));
    }

    [Fact]
    public void Decode_SubAckWithFailure_KeepsEveryCode()
    {
        var subAck = Decoded<MqttSubAckPacket>("90050007" + "000180");

        Assert.Equal(7, subAck.PacketId);
        Assert.Equal([0x00, 0x01, 0x80], subAck.ReturnCodes);
    }

    [Theory]
    [InlineData("9003000703", "reserved return code")]
    [InlineData("90020007", "at least one return code")]
    [InlineData("9003000001", "packet id 0")]
    [InlineData("92030007", "flags")]
    public void Decode_BadSubAck_IsAnError(string hex, string expected)
    {
        Assert.Contains(expected, ErrorOf(hex));
    }

    [Fact]
    public void Decode_AcksAndPingResp_AreRead()
    {
        Assert.Equal(new MqttPubAckPacket(0x0102), Decoded<MqttPubAckPacket>("40020102"));
        Assert.Equal(new MqttUnsubAckPacket(9), Decoded<MqttUnsubAckPacket>("B0020009"));
        Assert.Same(MqttPingRespPacket.Instance, Decoded<MqttPingRespPacket>("D000"));
    }

    [Theory]
    [InlineData("42020102", "MQTT-2.2.2-2")] // PUBACK with reserved bits set
    [InlineData("B1020009", "MQTT-2.2.2-2")] // UNSUBACK
    [InlineData("D100", "MQTT-2.2.2-2")] // PINGRESP
    [InlineData("40030102FF", "expected 2")]
    [InlineData("40020000", "packet id 0")]
    [InlineData("D00100", "expected 0")]
    [InlineData("0000", "reserved packet type 0")]
    [InlineData("F000", "reserved packet type 15")]
    [InlineData("1000", "not one a server sends")] // CONNECT
    [InlineData("8200", "not one a server sends")] // SUBSCRIBE with the right flags, still not for a client
    [InlineData("C000", "not one a server sends")] // PINGREQ
    public void Decode_WrongPacket_IsAnError(string hex, string expected)
    {
        Assert.Contains(expected, ErrorOf(hex));
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("3080")]
    [InlineData("300500017478")]
    [InlineData("900500070001")]
    public void Decode_Truncated_NeedsMore(string hex)
    {
        Assert.Equal(MqttDecodeStatus.NeedMore, Decode(hex).Status);
    }

    [Fact]
    public void Decode_LengthAboveMaximum_IsAnErrorBeforeTheBodyArrives()
    {
        // Only the fixed header is there: the decoder must not wait for (and buffer) 2 MB.
        Assert.Contains("maximum packet size", ErrorOf("30808080 01".Replace(" ", ""), max: 1024));
    }

    [Fact]
    public void Decode_TwoPacketsInOneBuffer_ConsumesOnlyTheFirst()
    {
        var result = Decode("D000" + "40020001");
        Assert.Equal(2, result.Consumed);
    }
}
