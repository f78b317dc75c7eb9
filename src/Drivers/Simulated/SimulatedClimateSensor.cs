// A simulated barn climate sensor, so the gateway can run and be demonstrated without hardware.
//
// Value = daily cycle (local solar time) + per-seed offset + slow wander + per-read chip noise,
// then clamped to the chip's range and rounded to its resolution.
// Invariants (see README.md):
// - Deterministic: the same seed and the same sequence of `now` values give the same samples.
//   Time comes only from the argument, randomness only from this instance's Random(seed).
// - Every value is finite, inside the chip's range and at its resolution; a metric the chip
//   does not measure is null.
// - The wander is an Ornstein-Uhlenbeck process advanced by the elapsed time and clamped to
//   +-3 sigma: it looks the same whether reads are 1 s or 1 h apart and never runs away.

namespace FarmGateway.Drivers.Simulated;

/// <summary>
/// Produces realistic, deterministic barn temperature, humidity and (SCD30 only) CO2 samples.
/// Not thread-safe: one reader per instance, like a real sensor.
/// </summary>
public sealed class SimulatedClimateSensor
{
    /// <summary>Real time zones span UTC-12 to UTC+14.</summary>
    public static readonly TimeSpan MaxUtcOffset = TimeSpan.FromHours(14);

    // A naturally ventilated barn in a temperate spring.
    private const double MeanTemperatureC = 18.0;
    private const double DailyTemperatureAmplitudeC = 4.0;
    private const double MaxSeedTemperatureOffsetC = 1.5;

    // The dew point (the water the air holds) sits below the mean temperature and rises a little
    // by day as animals are active and litter dries. Chosen so that RH is ~80 % at night, ~53 % by day.
    private const double DewPointBelowMeanC = 6.65;
    private const double DailyDewPointAmplitudeC = 0.75;

    // Animals add CO2 on top of outdoor air; how much stays in depends on ventilation.
    private const double OutdoorCo2Ppm = 420.0;
    private const double MeanCo2ExcessPpm = 450.0;
    private const double DailyCo2ExcessAmplitudePpm = 230.0;
    // A barn cannot be fresher than outdoor air; 400 leaves room for the chip's own offset.
    private const double MinCo2Ppm = 400.0;
    private const double MaxCo2Ppm = 40_000.0; // SCD30 measurement range.

    private readonly ChipTraits chip;
    private readonly TimeSpan utcOffset;
    private readonly Random random;
    private readonly double temperatureOffsetC;
    private readonly double co2Factor;

    // Weather and occupancy change over hours, so each metric wanders with its own time constant.
    private readonly Wander temperatureWander = new(TimeSpan.FromHours(3), sigma: 1.0);
    private readonly Wander dewPointWander = new(TimeSpan.FromHours(2), sigma: 0.8);
    private readonly Wander co2Wander = new(TimeSpan.FromMinutes(45), sigma: 70.0);
    private DateTimeOffset? lastRead;

    /// <param name="profile">Which chip to imitate: model name, metrics, range and resolution.</param>
    /// <param name="seed">Seeds all randomness; two sensors with different seeds differ.</param>
    /// <param name="utcOffset">The barn's offset from UTC, so the daily cycle follows local time.</param>
    public SimulatedClimateSensor(SimulatedProfile profile, int seed, TimeSpan utcOffset)
    {
        if (!Enum.IsDefined(profile))
        {
            throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unknown simulated profile.");
        }

        if (utcOffset.Duration() > MaxUtcOffset)
        {
            throw new ArgumentOutOfRangeException(
                nameof(utcOffset), utcOffset, $"UTC offset must be within +-{MaxUtcOffset.TotalHours} h.");
        }

        chip = ChipTraits.For(profile);
        this.utcOffset = utcOffset;
        random = new Random(seed);
        temperatureOffsetC = MaxSeedTemperatureOffsetC * (2.0 * random.NextDouble() - 1.0);
        co2Factor = 0.8 + 0.4 * random.NextDouble(); // stocking density: +-20 %
    }

    /// <summary>"Simulated-DHT22" or "Simulated-SCD30".</summary>
    public string Model => chip.Model;

    /// <summary>Takes one sample at <paramref name="now"/>. Never throws, also when time goes backwards.</summary>
    public ClimateSample Read(DateTimeOffset now)
    {
        AdvanceWander(now);
        double cycle = DailyCycle(LocalHours(now));

        double meanC = MeanTemperatureC + temperatureOffsetC;
        double airC = meanC + DailyTemperatureAmplitudeC * cycle + temperatureWander.Value;
        double dewPointC = meanC - DewPointBelowMeanC + DailyDewPointAmplitudeC * cycle + dewPointWander.Value;

        // Chip noise is independent per channel, so humidity is derived from the true air
        // temperature, not from the noisy reading.
        double temperatureC = airC + chip.TemperatureNoiseC * Gaussian();
        double humidityPercent = RelativeHumidityPercent(airC, dewPointC) + chip.HumidityNoisePercent * Gaussian();

        double? co2Ppm = null;
        if (chip.HasCo2)
        {
            // Fans follow temperature: by day they run and flush the CO2 out, at night they
            // throttle down to keep the animals warm and CO2 accumulates.
            double excessPpm = co2Factor * (MeanCo2ExcessPpm - DailyCo2ExcessAmplitudePpm * cycle);
            double co2 = OutdoorCo2Ppm + excessPpm + co2Wander.Value + chip.Co2NoisePpm * Gaussian();
            co2Ppm = Round(Math.Clamp(co2, MinCo2Ppm, MaxCo2Ppm), chip.Co2Decimals);
        }

        return new ClimateSample(
            TemperatureC: Round(Math.Clamp(temperatureC, chip.MinTemperatureC, chip.MaxTemperatureC), chip.TemperatureDecimals),
            HumidityPercent: Round(Math.Clamp(humidityPercent, 0.0, 100.0), chip.HumidityDecimals),
            Co2Ppm: co2Ppm);
    }

    private void AdvanceWander(DateTimeOffset now)
    {
        if (lastRead is not { } last)
        {
            temperatureWander.Start(Gaussian());
            dewPointWander.Start(Gaussian());
            co2Wander.Start(Gaussian());
        }
        else
        {
            // A clock stepped backwards (NTP, a replay) counts as no time passed, not as an error.
            TimeSpan elapsed = now > last ? now - last : TimeSpan.Zero;
            temperatureWander.Advance(elapsed, Gaussian());
            dewPointWander.Advance(elapsed, Gaussian());
            co2Wander.Advance(elapsed, Gaussian());
        }

        lastRead = now;
    }

    private double LocalHours(DateTimeOffset now)
    {
        // Tick arithmetic instead of DateTime arithmetic: cannot overflow near Min/MaxValue.
        long localTicks = now.UtcTicks + utcOffset.Ticks;
        long ticksIntoDay = ((localTicks % TimeSpan.TicksPerDay) + TimeSpan.TicksPerDay) % TimeSpan.TicksPerDay;
        return ticksIntoDay / (double)TimeSpan.TicksPerHour;
    }

    /// <summary>
    /// -1 at 05:00, +1 at 15:00 local. The barn is coldest just before sunrise after losing heat
    /// all night, and warmest mid-afternoon because roof and walls lag the sun. Warming takes 10 h
    /// and cooling 14 h, which one sinusoid (min and max 12 h apart) cannot do: two half-cosines.
    /// </summary>
    private static double DailyCycle(double localHours)
    {
        const double MinimumHour = 5.0, WarmingHours = 10.0, CoolingHours = 14.0;
        double sinceMinimum = (localHours - MinimumHour + 24.0) % 24.0;
        return sinceMinimum < WarmingHours
            ? -Math.Cos(Math.PI * sinceMinimum / WarmingHours)
            : Math.Cos(Math.PI * (sinceMinimum - WarmingHours) / CoolingHours);
    }

    /// <summary>
    /// Magnus formula (constants 17.62 / 243.12 °C over water). This is why humidity falls as the
    /// barn warms: the air holds about the same water but could hold more.
    /// </summary>
    private static double RelativeHumidityPercent(double airC, double dewPointC)
    {
        const double A = 17.62, B = 243.12;
        return 100.0 * Math.Exp(A * dewPointC / (B + dewPointC) - A * airC / (B + airC));
    }

    private double Gaussian()
    {
        // Box-Muller; 1 - NextDouble() is in (0, 1], so the logarithm stays finite.
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static double Round(double value, int decimals) =>
        Math.Round(value, decimals, MidpointRounding.AwayFromZero);

    /// <summary>Ornstein-Uhlenbeck process, stepped exactly for any elapsed time.</summary>
    private sealed class Wander(TimeSpan timeConstant, double sigma)
    {
        public double Value { get; private set; }

        public void Start(double gaussian) => Value = Bound(sigma * gaussian);

        public void Advance(TimeSpan elapsed, double gaussian)
        {
            // Exact discretisation: the same statistics for one 1 h step as for 3600 steps of 1 s.
            double decay = Math.Exp(-elapsed.TotalSeconds / timeConstant.TotalSeconds);
            Value = Bound(Value * decay + sigma * Math.Sqrt(1.0 - decay * decay) * gaussian);
        }

        // A Gaussian tail is unbounded; the clamp keeps long runs inside a plausible barn.
        private double Bound(double value) => Math.Clamp(value, -3.0 * sigma, 3.0 * sigma);
    }

    /// <summary>What differs between the imitated chips (datasheet range, resolution, repeatability).</summary>
    private sealed record ChipTraits(
        string Model,
        double MinTemperatureC,
        double MaxTemperatureC,
        int TemperatureDecimals,
        int HumidityDecimals,
        double TemperatureNoiseC,
        double HumidityNoisePercent,
        bool HasCo2,
        int Co2Decimals,
        double Co2NoisePpm)
    {
        public static ChipTraits For(SimulatedProfile profile) => profile switch
        {
            // DHT22: -40..80 °C, 0.1 °C / 0.1 %RH resolution, repeatability about +-0.2 °C / +-1 %RH.
            SimulatedProfile.Dht22 => new("Simulated-DHT22", -40.0, 80.0, 1, 1, 0.1, 0.5, HasCo2: false, 0, 0.0),
            // SCD30: -40..70 °C; reports floats, shown at 0.01 °C / 0.01 %RH / 0.1 ppm;
            // repeatability about +-0.1 °C, +-0.1 %RH, +-10 ppm.
            SimulatedProfile.Scd30 => new("Simulated-SCD30", -40.0, 70.0, 2, 2, 0.05, 0.1, HasCo2: true, 1, 5.0),
            _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unknown simulated profile."),
        };
    }
}
