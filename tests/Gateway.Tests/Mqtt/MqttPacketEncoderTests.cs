using System.Text;
using FarmGateway.Mqtt.Packets;

namespace FarmGateway.Tests.Mqtt;

public sealed class MqttPacketEncoderTests
{
    [Fact]
    public void Connect_AllFlags_MatchesSpecLayoutByteForByte()
    {
        var connect = new MqttConnectPacket("pi-1", CleanSession: true, KeepAliveSeconds: 60)
        {
            Username = "u",
            Password = "pw",
            Will = new MqttWillMessage("barn/status", Encoding.UTF8.GetBytes("offline"), MqttQos.AtLeastOnce, Retain: true),
        };

        var bytes = MqttPacketEncoder.Connect(connect);

        byte[] expected =
        [
            0x10, 0x2D, // CONNECT, remaining length 45
            0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, // protocol name, level 4
            0b1110_1110, // user name, password, will retain, will QoS 01, will flag, clean session, reserved 0
            0x00, 0x3C, // keepalive 60 s
            0x00, 0x04, (byte)'p', (byte)'i', (byte)'-', (byte)'1',
            0x00, 0x0B, .. "barn/status"u8,
            0x00, 0x07, .. "offline"u8,
            0x00, 0x01, (byte)'u',
            0x00, 0x02, (byte)'p', (byte)'w',
        ];
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(bytes));
    }

    [Fact]
    public void Connect_NoOptionalFields_HasOnlyClientIdAndFlagsZero()
    {
        var bytes = MqttPacketEncoder.Connect(new MqttConnectPacket("a", CleanSession: false, KeepAliveSeconds: 0));

        Assert.Equal("100D00044D51545404000000000161", Convert.ToHexString(bytes));
    }

    [Fact]
    public void Connect_ToString_NeverShowsThePassword()
    {
        var text = new MqttConnectPacket("a", true, 1) { Username = "u", Password = "s3cret" }.ToString();

        Assert.DoesNotContain("s3cret", text);
    }

    [Fact]
    public void Publish_Qos1WithDupAndRetain_SetsFlagsAndPacketId()
    {
        var bytes = MqttPacketEncoder.Publish("a/b", [0x01, 0x02], MqttQos.AtLeastOnce, retain: true, dup: true, packetId: 0x1234);

        Assert.Equal("3B09" + "0003612F62" + "1234" + "0102", Convert.ToHexString(bytes));
    }

    [Fact]
    public void Publish_Qos0_HasNoPacketId()
    {
        var bytes = MqttPacketEncoder.Publish("t", "x"u8, MqttQos.AtMostOnce, retain: false, dup: false, packetId: 0);

        Assert.Equal("3004000174" + "78", Convert.ToHexString(bytes));
    }

    [Fact]
    public void Publish_WildcardTopic_Throws()
    {
        Assert.Throws<ArgumentException>(() => MqttPacketEncoder.Publish("a/+", [], MqttQos.AtMostOnce, false, false, 0));
    }

    [Fact]
    public void Publish_Qos1WithPacketIdZero_Throws()
    {
        Assert.Throws<ArgumentException>(() => MqttPacketEncoder.Publish("a", [], MqttQos.AtLeastOnce, false, false, 0));
    }

    [Fact]
    public void Subscribe_TwoFilters_HasReservedFlags0010AndQosPerFilter()
    {
        var bytes = MqttPacketEncoder.Subscribe(10, [new("a/#", MqttQos.AtLeastOnce), new("+/b", MqttQos.AtMostOnce)]);

        Assert.Equal("820E" + "000A" + "0003612F23" + "01" + "00032B2F62" + "00", Convert.ToHexString(bytes));
    }

    [Theory]
    [InlineData("a/#/b")]
    [InlineData("a/b#")]
    [InlineData("a/b+")]
    [InlineData("")]
    public void Subscribe_InvalidFilter_Throws(string filter)
    {
        Assert.NotNull(MqttTopic.CheckFilter(filter));
        Assert.Throws<ArgumentException>(() => MqttPacketEncoder.Subscribe(1, [new(filter)]));
    }

    [Fact]
    public void Unsubscribe_OneFilter_HasReservedFlags0010()
    {
        Assert.Equal("A2070001" + "0003612F62", Convert.ToHexString(MqttPacketEncoder.Unsubscribe(1, ["a/b"])));
    }

    [Fact]
    public void FixedPackets_MatchSpec()
    {
        Assert.Equal("40020102", Convert.ToHexString(MqttPacketEncoder.PubAck(0x0102)));
        Assert.Equal("C000", Convert.ToHexString(MqttPacketEncoder.PingReq()));
        Assert.Equal("E000", Convert.ToHexString(MqttPacketEncoder.Disconnect()));
    }

    [Fact]
    public void String_WithNullCharacter_IsRefused()
    {
        Assert.NotNull(MqttString.Check("a\0b"));
        Assert.NotNull(MqttString.Check("\uD800"));
        Assert.Throws<ArgumentException>(() => MqttString.Encode("a\0b"));
    }
}
