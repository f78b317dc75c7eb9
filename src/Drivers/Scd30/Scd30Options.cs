namespace FarmGateway.Drivers.Scd30;

/// <summary>
/// How to reach an SCD30 and how it should measure. Settings the chip keeps in NVM (interval,
/// self-calibration, temperature offset, altitude) are written only when the chip reports a
/// different value.
/// </summary>
public sealed record Scd30Options
{
    public const int MinIntervalSeconds = 2;
    public const int MaxIntervalSeconds = 1800;
    public const ushort MinPressureMbar = 700;
    public const ushort MaxPressureMbar = 1400;
    /// <summary>The offset register is an unsigned 16-bit count of 0.01 °C.</summary>
    public const double MaxTemperatureOffsetC = ushort.MaxValue / 100.0;

    /// <summary>The I2C bus number, <c>/dev/i2c-N</c>. Default 1 (the Pi's GPIO 2/3 header pins).</summary>
    public int Bus { get; init; } = 1;

    /// <summary>The 7-bit I2C address. Default 0x61, the only one the SCD30 has (§1.1.1).</summary>
    public int Address { get; init; } = 0x61;

    /// <summary>
    /// Time between measurements, whole seconds in 2..1800 s. Default 30 s: short intervals make
    /// the chip self-heat and read warm.
    /// </summary>
    public TimeSpan MeasurementInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Ambient pressure in mbar for CO2 compensation, sent with every start: 0 (off) or 700..1400.
    /// Default null: send 0, and the altitude (if any) compensates instead.
    /// </summary>
    public ushort? AmbientPressureMbar { get; init; }

    /// <summary>Height above sea level in m, used by the chip when no pressure is given. Default null: leave the chip's value.</summary>
    public ushort? AltitudeMeters { get; init; }

    /// <summary>
    /// How much warmer the chip reads than the air, in °C (>= 0, 0.01 °C steps), written to the
    /// chip's offset register so humidity is corrected too. Default 0.
    /// </summary>
    public double TemperatureOffsetC { get; init; }

    /// <summary>
    /// Automatic self-calibration (needs 7 days with daily fresh air). Default null: leave it as
    /// the chip has it.
    /// </summary>
    public bool? AutoCalibration { get; init; }

    /// <summary>The measurement interval as the chip's register value.</summary>
    internal ushort IntervalSeconds => (ushort)MeasurementInterval.TotalSeconds;

    /// <summary>The temperature offset as the chip's register value (0.01 °C counts).</summary>
    internal ushort TemperatureOffsetCounts => (ushort)Math.Round(TemperatureOffsetC * 100.0, MidpointRounding.AwayFromZero);

    /// <summary>Every problem with these options, each quoting the bad value; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Bus < 0) errors.Add($"Bus {Bus} must be >= 0");
        if (Address is < 0x03 or > 0x77) errors.Add($"Address 0x{Address:X2} is not a 7-bit I2C device address (0x03..0x77)");

        double seconds = MeasurementInterval.TotalSeconds;
        if (seconds < MinIntervalSeconds || seconds > MaxIntervalSeconds || seconds != Math.Floor(seconds))
        {
            errors.Add($"MeasurementInterval {MeasurementInterval} must be whole seconds in {MinIntervalSeconds}..{MaxIntervalSeconds} s");
        }

        if (AmbientPressureMbar is { } mbar && mbar != 0 && (mbar < MinPressureMbar || mbar > MaxPressureMbar))
        {
            errors.Add($"AmbientPressureMbar {mbar} must be 0 or {MinPressureMbar}..{MaxPressureMbar}");
        }

        if (!double.IsFinite(TemperatureOffsetC) || TemperatureOffsetC < 0 || TemperatureOffsetC > MaxTemperatureOffsetC)
        {
            errors.Add($"TemperatureOffsetC {TemperatureOffsetC} must be in 0..{MaxTemperatureOffsetC} (the chip only subtracts)");
        }

        return errors;
    }
}
