using FarmGateway.Drivers.Sensirion;
using FarmGateway.Drivers.Tests.Scd30;

namespace FarmGateway.Drivers.Tests.Sensirion;

public sealed class SensirionCrcTests
{
    [Theory]
    [InlineData(0xBEEF, 0x92)]
    [InlineData(0x0000, 0x81)]
    [InlineData(0x0002, 0xE3)]
    public void Compute_DatasheetCheckValues_Match(int word, int crc)
    {
        Assert.Equal((byte)crc, SensirionCrc.Compute((ushort)word));
    }

    [Fact]
    public void Compute_EveryWord_MatchesTheEmulatorsIndependentCrc()
    {
        for (int word = 0; word <= ushort.MaxValue; word++)
        {
            Assert.Equal(Scd30Emulator.IndependentCrc((byte)(word >> 8), (byte)word), SensirionCrc.Compute((ushort)word));
        }
    }

    [Fact]
    public void Compute_Bytes_EqualsComputeOfTheBigEndianWord()
    {
        Assert.Equal(SensirionCrc.Compute(0xBEEF), SensirionCrc.Compute([0xBE, 0xEF]));
    }

    [Fact]
    public void WriteWord_Word_WritesHighByteLowByteThenCrc()
    {
        var buffer = new byte[3];
        SensirionCrc.WriteWord(buffer, 0xBEEF);
        Assert.Equal(new byte[] { 0xBE, 0xEF, 0x92 }, buffer);
    }

    [Fact]
    public void WriteWord_DestinationTooShort_Throws()
    {
        Assert.Throws<ArgumentException>(() => SensirionCrc.WriteWord(new byte[2], 1));
    }

    [Fact]
    public void TryReadWord_GoodCrc_ReturnsTheWord()
    {
        Assert.True(SensirionCrc.TryReadWord([0x00, 0x02, 0xE3], out ushort word));
        Assert.Equal(0x0002, word);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void TryReadWord_OneFlippedBitInAnyByte_ReturnsFalse(int index)
    {
        byte[] bytes = [0xBE, 0xEF, 0x92];
        bytes[index] ^= 0x10;
        Assert.False(SensirionCrc.TryReadWord(bytes, out _));
    }

    [Fact]
    public void FindBadWord_AllGood_ReturnsMinusOne()
    {
        Assert.Equal(-1, SensirionCrc.FindBadWord([0xBE, 0xEF, 0x92, 0x00, 0x00, 0x81]));
    }

    [Fact]
    public void FindBadWord_SecondWordBad_ReturnsOne()
    {
        Assert.Equal(1, SensirionCrc.FindBadWord([0xBE, 0xEF, 0x92, 0x00, 0x00, 0x80]));
    }

    [Fact]
    public void FindBadWord_LengthNotWholeWords_Throws()
    {
        Assert.Throws<ArgumentException>(() => SensirionCrc.FindBadWord([0xBE, 0xEF]));
    }
}
