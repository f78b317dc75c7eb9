using System.Buffers.Binary;
using FarmGateway.Drivers.Sensirion;

namespace FarmGateway.Drivers.Scd30;

/// <summary>
/// Decodes the 18-byte answer to Read measurement (§1.4 Read measurement, §1.5): CO2 ppm, temperature °C and
/// humidity %RH as big-endian IEEE-754 floats, each split into two words, each word followed by
/// its CRC. Pure: no state, no I/O.
/// </summary>
public static class Scd30Frame
{
    public const int LengthBytes = 18;

    /// <summary>The SCD30's CO2 measurement range.</summary>
    public const double MaxCo2Ppm = 40_000;
    /// <summary>The SCD30's operating temperature range.</summary>
    public const double MinTemperatureC = -40, MaxTemperatureC = 70;

    private static readonly string[] WordNames =
        ["CO2 high word", "CO2 low word", "temperature high word", "temperature low word", "humidity high word", "humidity low word"];

    /// <summary>
    /// The sample in <paramref name="frame"/>, or why there is none: ChecksumMismatch for any
    /// word whose CRC is wrong, ProtocolError for a wrong length, OutOfRange for NaN, infinity or a
    /// value the chip cannot measure. Values are rounded to 0.1 ppm, 0.01 °C and 0.01 %RH, the
    /// chip's useful resolution, so records do not carry float noise.
    /// </summary>
    public static SensorResult Decode(ReadOnlySpan<byte> frame)
    {
        if (frame.Length != LengthBytes)
        {
            return SensorResult.Failed(SensorErrorKind.ProtocolError, $"SCD30 measurement frame has {frame.Length} bytes, expected {LengthBytes}");
        }

        int bad = SensirionCrc.FindBadWord(frame);
        if (bad >= 0)
        {
            return SensorResult.Failed(SensorErrorKind.ChecksumMismatch, $"CRC mismatch in the SCD30 measurement frame ({WordNames[bad]})");
        }

        float co2 = ReadFloat(frame[..6]);
        float temperature = ReadFloat(frame.Slice(6, 6));
        float humidity = ReadFloat(frame.Slice(12, 6));

        if (Check("CO2", co2, 0, MaxCo2Ppm, "ppm") is { } co2Error) return SensorResult.Failed(co2Error);
        if (Check("temperature", temperature, MinTemperatureC, MaxTemperatureC, "°C") is { } tError) return SensorResult.Failed(tError);
        if (Check("humidity", humidity, 0, 100, "%RH") is { } hError) return SensorResult.Failed(hError);

        return SensorResult.Ok(new ClimateSample(
            TemperatureC: Math.Round(temperature, 2, MidpointRounding.AwayFromZero),
            HumidityPercent: Math.Round(humidity, 2, MidpointRounding.AwayFromZero),
            Co2Ppm: Math.Round(co2, 1, MidpointRounding.AwayFromZero)));
    }

    // Two word+CRC triples -> the four float bytes, CRCs already checked.
    private static float ReadFloat(ReadOnlySpan<byte> twoWords) =>
        BinaryPrimitives.ReadSingleBigEndian([twoWords[0], twoWords[1], twoWords[3], twoWords[4]]);

    private static SensorError? Check(string what, float value, double min, double max, string unit)
    {
        if (!float.IsFinite(value))
        {
            return new SensorError(SensorErrorKind.OutOfRange, $"SCD30 sent a non-finite {what} value ({value})");
        }

        return value < min || value > max
            ? new SensorError(SensorErrorKind.OutOfRange, $"SCD30 {what} {value} {unit} is outside {min}..{max} {unit}")
            : null;
    }
}
