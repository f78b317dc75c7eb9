using System.Globalization;
using FarmGateway.Drivers;

namespace FarmGateway.Readings;

/// <summary>
/// The physical ranges of record schema v1 (docs/record-schema.v1.json). A reading outside them
/// is a faulty sensor or a corrupted frame, not a barn: it is rejected whole and counted, so the
/// cloud never receives a record its schema calls invalid.
/// </summary>
public static class ReadingLimits
{
    public const double MinTemperatureC = -60, MaxTemperatureC = 100;
    public const double MinHumidityPercent = 0, MaxHumidityPercent = 100;
    public const double MinCo2Ppm = 0, MaxCo2Ppm = 40_000;
    public const double MinPressureHpa = 300, MaxPressureHpa = 1100;

    /// <summary>Null when the sample is plausible; otherwise which metric is wrong and what is allowed.</summary>
    public static string? Check(ClimateSample sample)
    {
        if (sample is { TemperatureC: null, HumidityPercent: null, Co2Ppm: null, PressureHpa: null })
            return "the sample has no metric";
        return Check("temperature", sample.TemperatureC, MinTemperatureC, MaxTemperatureC)
               ?? Check("humidity", sample.HumidityPercent, MinHumidityPercent, MaxHumidityPercent)
               ?? Check("co2", sample.Co2Ppm, MinCo2Ppm, MaxCo2Ppm)
               ?? Check("pressure", sample.PressureHpa, MinPressureHpa, MaxPressureHpa);
    }

    private static string? Check(string metric, double? value, double min, double max) =>
        value is not { } v || (v >= min && v <= max)
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{metric} {v} is outside {min}..{max}");
}
