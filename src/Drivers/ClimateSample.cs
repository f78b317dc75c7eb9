namespace FarmGateway.Drivers;

/// <summary>
/// One measurement from a climate sensor. A metric the chip does not measure is null, never NaN.
/// Units: temperature °C, relative humidity %RH, CO2 ppm, pressure hPa.
/// </summary>
public readonly record struct ClimateSample(
    double? TemperatureC = null,
    double? HumidityPercent = null,
    double? Co2Ppm = null,
    double? PressureHpa = null);
