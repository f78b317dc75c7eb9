using FarmGateway.Mqtt.Packets;

namespace FarmGateway.Tests.Mqtt;

public sealed class MqttRemainingLengthTests
{
    // The spec's table in 2.2.3: the smallest and largest value of each encoded size.
    [Theory]
    [InlineData(0, "00")]
    [InlineData(127, "7F")]
    [InlineData(128, "8001")]
    [InlineData(16_383, "FF7F")]
    [InlineData(16_384, "808001")]
    [InlineData(2_097_151, "FFFF7F")]
    [InlineData(2_097_152, "80808001")]
    [InlineData(268_435_455, "FFFFFF7F")]
    public void Encode_SpecExample_MatchesBytes(int length, string hex)
    {
        Assert.Equal(hex, Convert.ToHexString(MqttRemainingLength.Encode(length)));
        Assert.Equal(MqttLengthStatus.Complete, MqttRemainingLength.TryRead(Convert.FromHexString(hex), out var decoded, out var used));
        Assert.Equal(length, decoded);
        Assert.Equal(hex.Length / 2, used);
    }

    [Fact]
    public void TryRead_FiveBytes_IsMalformed()
    {
        Assert.Equal(MqttLengthStatus.Malformed, MqttRemainingLength.TryRead([0xFF, 0xFF, 0xFF, 0xFF, 0x7F], out _, out _));
    }

    [Fact]
    public void TryRead_EndsMidNumber_NeedsMore()
    {
        Assert.Equal(MqttLengthStatus.NeedMore, MqttRemainingLength.TryRead([0x80, 0x80], out _, out _));
    }

    [Fact]
    public void Encode_AboveMaximum_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MqttRemainingLength.Encode(268_435_456));
    }

    [Fact]
    public void Decode_FiveByteLengthInAFrame_IsAProtocolError()
    {
        var result = MqttPacketDecoder.Decode([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]);
        Assert.Equal(MqttDecodeStatus.Error, result.Status);
        Assert.Contains("4 bytes", result.Error!.Reason);
    }
}
