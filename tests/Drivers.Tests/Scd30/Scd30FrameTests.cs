using FarmGateway.Drivers.Scd30;

namespace FarmGateway.Drivers.Tests.Scd30;

public sealed class Scd30FrameTests
{
    // Interface Description v1.0 §1.5: the worked example.
    private static readonly byte[] DatasheetFrame =
        [0x43, 0xDB, 0xCB, 0x8C, 0x2E, 0x8F, 0x41, 0xD9, 0x70, 0xE7, 0xFF, 0xF5, 0x42, 0x43, 0xBF, 0x3A, 0x1B, 0x74];

    [Fact]
    public void Decode_DatasheetExample_Gives439PpmAt27Point24CAnd48Point81Percent()
    {
        var result = Scd30Frame.Decode(DatasheetFrame);

        Assert.Null(result.Error);
        var sample = result.Sample!.Value;
        Assert.Equal(439.1, sample.Co2Ppm!.Value);
        Assert.Equal(27.24, sample.TemperatureC!.Value);
        Assert.Equal(48.81, sample.HumidityPercent!.Value);
        Assert.Null(sample.PressureHpa);
    }

    [Fact]
    public void Decode_AnySingleFlippedBit_IsChecksumMismatch()
    {
        for (int bit = 0; bit < DatasheetFrame.Length * 8; bit++)
        {
            var frame = (byte[])DatasheetFrame.Clone();
            frame[bit / 8] ^= (byte)(1 << (bit % 8));

            var result = Scd30Frame.Decode(frame);

            Assert.Null(result.Sample);
            Assert.Equal(SensorErrorKind.ChecksumMismatch, result.Error!.Kind);
        }
    }

    [Fact]
    public void Decode_FlippedBitInHumidity_NamesTheWord()
    {
        var frame = (byte[])DatasheetFrame.Clone();
        frame[15] ^= 0x01;
        Assert.Contains("humidity low word", Scd30Frame.Decode(frame).Error!.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    [InlineData(19)]
    public void Decode_WrongLength_IsProtocolError(int length)
    {
        Assert.Equal(SensorErrorKind.ProtocolError, Scd30Frame.Decode(new byte[length]).Error!.Kind);
    }

    [Theory]
    [InlineData(float.NaN, 20f, 50f)]
    [InlineData(500f, float.NaN, 50f)]
    [InlineData(500f, 20f, float.NaN)]
    [InlineData(float.PositiveInfinity, 20f, 50f)]
    [InlineData(500f, float.NegativeInfinity, 50f)]
    public void Decode_NonFiniteValue_IsOutOfRange(float co2, float temperature, float humidity)
    {
        var result = Scd30Frame.Decode(Scd30Emulator.Frame(co2, temperature, humidity));
        Assert.Equal(SensorErrorKind.OutOfRange, result.Error!.Kind);
        Assert.Contains("non-finite", result.Error.Message);
    }

    [Theory]
    [InlineData(-0.5f, 20f, 50f)]
    [InlineData(40_000.5f, 20f, 50f)]
    [InlineData(500f, -40.5f, 50f)]
    [InlineData(500f, 70.5f, 50f)]
    [InlineData(500f, 20f, -0.5f)]
    [InlineData(500f, 20f, 100.5f)]
    public void Decode_ValueOutsideTheChipsRange_IsOutOfRange(float co2, float temperature, float humidity)
    {
        Assert.Equal(SensorErrorKind.OutOfRange, Scd30Frame.Decode(Scd30Emulator.Frame(co2, temperature, humidity)).Error!.Kind);
    }

    [Theory]
    [InlineData(0f, -40f, 0f)]
    [InlineData(40_000f, 70f, 100f)]
    public void Decode_RangeEdges_AreSamples(float co2, float temperature, float humidity)
    {
        var sample = Scd30Frame.Decode(Scd30Emulator.Frame(co2, temperature, humidity)).Sample!.Value;
        Assert.Equal(co2, sample.Co2Ppm);
        Assert.Equal(temperature, sample.TemperatureC);
        Assert.Equal(humidity, sample.HumidityPercent);
    }
}
