using System.Globalization;

namespace FarmGateway.Drivers.Dht22;

/// <summary>
/// Field checks on values that passed the DHT22's checksum (see README.md): range, the stale
/// first read, stuck humidity and implausible jumps. Pure apart from its own state; time comes in.
/// </summary>
internal sealed class Dht22Plausibility(Dht22Options options)
{
    // DHT22 datasheet, "Technical Specification": -40..80 °C, 0..99.9 %RH.
    public const double MinTemperatureC = -40.0;
    public const double MaxTemperatureC = 80.0;
    public const double MinHumidityPercent = 0.0;
    public const double MaxHumidityPercent = 100.0;

    // A wet sensor reads its ceiling; a locked-up one has been seen pinned at 1.0 %.
    private static readonly double[] StuckLimits = [99.9, 1.0];
    private const double SameValueTolerance = 0.05; // half the DHT22's 0.1 step

    private bool _primed;
    private Level? _accepted;
    private Level? _pending;
    private int _pendingCount;
    private double? _lastHumidity;
    private int _sameHumidityReads;

    /// <summary>True when the last <see cref="Evaluate"/> reported humidity stuck (what a power cycle is for).</summary>
    public bool HumidityStuck { get; private set; }

    /// <summary>Set after a power cycle: the next good read is stale again and must be dropped.</summary>
    public void Restart()
    {
        _primed = false;
        _pending = null;
        _pendingCount = 0;
    }

    /// <summary>A sample, or why this read is not believed.</summary>
    public SensorResult Evaluate(double temperatureC, double humidityPercent, TimeSpan now)
    {
        HumidityStuck = false;
        if (temperatureC is < MinTemperatureC or > MaxTemperatureC || double.IsNaN(temperatureC))
            return OutOfRange($"temperature {F(temperatureC)} °C is outside the DHT22's {F(MinTemperatureC)}..{F(MaxTemperatureC)} °C");
        if (humidityPercent is < MinHumidityPercent or > MaxHumidityPercent || double.IsNaN(humidityPercent))
            return OutOfRange($"humidity {F(humidityPercent)} % is outside {F(MinHumidityPercent)}..{F(MaxHumidityPercent)} %RH");

        _sameHumidityReads = _lastHumidity is { } last && Math.Abs(last - humidityPercent) < SameValueTolerance ? _sameHumidityReads + 1 : 1;
        _lastHumidity = humidityPercent;

        if (!_primed)
        {
            // The DHT22 answers with the measurement it took at the previous start signal, so
            // the first answer after power-up or a long pause describes the past.
            _primed = true;
            return SensorResult.Failed(SensorErrorKind.NotReady, "first reading after start dropped (the DHT22 sends the previous measurement)");
        }

        if (StuckMessage(humidityPercent) is { } stuck)
        {
            HumidityStuck = true;
            return OutOfRange(stuck);
        }

        var reading = new Level(temperatureC, humidityPercent, now);
        if (_accepted is { } accepted && JumpMessage(accepted, reading) is { } jump)
        {
            _pendingCount = _pending is { } pending && JumpMessage(pending, reading) is null ? _pendingCount + 1 : 1;
            _pending = reading;
            if (_pendingCount <= options.JumpRejectionsBeforeAccepting)
                return OutOfRange($"{jump}: rejected as a glitch ({_pendingCount} of {options.JumpRejectionsBeforeAccepting} before a steady new level is believed)");
        }

        _accepted = reading;
        _pending = null;
        _pendingCount = 0;
        return SensorResult.Ok(new ClimateSample(TemperatureC: temperatureC, HumidityPercent: humidityPercent));
    }

    private string? StuckMessage(double humidity)
    {
        var atLimit = StuckLimits.Any(limit => Math.Abs(humidity - limit) < SameValueTolerance);
        if (atLimit && _sameHumidityReads >= options.StuckAtLimitReads)
            return $"humidity stuck at {F(humidity)} %: the sensor may be wet or locked up";
        if (options.StuckValueReads > 0 && _sameHumidityReads >= options.StuckValueReads)
            return $"humidity stuck at {F(humidity)} % for {_sameHumidityReads} reads: the sensor may be wet or locked up";
        return null;
    }

    private string? JumpMessage(Level from, Level to)
    {
        var elapsed = to.At - from.At;
        // Within a minute the full per-minute step is allowed; over longer gaps it grows with time.
        var minutes = Math.Max(1.0, elapsed.TotalMinutes);
        var temperatureStep = Math.Abs(to.TemperatureC - from.TemperatureC);
        if (temperatureStep > options.MaxTemperatureStepCPerMinute * minutes)
            return $"temperature jumped from {F(from.TemperatureC)} to {F(to.TemperatureC)} °C in {F(elapsed.TotalSeconds)} s (limit {F(options.MaxTemperatureStepCPerMinute)} °C per minute)";
        var humidityStep = Math.Abs(to.HumidityPercent - from.HumidityPercent);
        if (humidityStep > options.MaxHumidityStepPercentPerMinute * minutes)
            return $"humidity jumped from {F(from.HumidityPercent)} to {F(to.HumidityPercent)} % in {F(elapsed.TotalSeconds)} s (limit {F(options.MaxHumidityStepPercentPerMinute)} % per minute)";
        return null;
    }

    private static SensorResult OutOfRange(string message) => SensorResult.Failed(SensorErrorKind.OutOfRange, message);

    private static string F(double value) => value.ToString("0.0##", CultureInfo.InvariantCulture);

    private readonly record struct Level(double TemperatureC, double HumidityPercent, TimeSpan At);
}
