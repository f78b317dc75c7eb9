using FarmGateway.Drivers.Simulated;

namespace FarmGateway.Drivers.Tests.Simulated;

public sealed class SimulatedClimateSensorTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan TenMinutes = TimeSpan.FromMinutes(10);

    private static readonly int[] EdgeSeeds = [0, 1, 42, -7, int.MinValue, int.MaxValue];

    public static TheoryData<SimulatedProfile, int> ProfilesAndSeeds()
    {
        var data = new TheoryData<SimulatedProfile, int>();
        foreach (SimulatedProfile profile in Enum.GetValues<SimulatedProfile>())
        {
            foreach (int seed in EdgeSeeds)
            {
                data.Add(profile, seed);
            }
        }

        return data;
    }

    public static TheoryData<int> Seeds() => new(EdgeSeeds);

    [Theory]
    [InlineData(SimulatedProfile.Dht22, "Simulated-DHT22")]
    [InlineData(SimulatedProfile.Scd30, "Simulated-SCD30")]
    public void Model_EachProfile_NamesTheChip(SimulatedProfile profile, string expected)
    {
        Assert.Equal(expected, new SimulatedClimateSensor(profile, 1, TimeSpan.Zero).Model);
    }

    [Theory]
    [InlineData(14.5)]
    [InlineData(-15.0)]
    public void Constructor_UtcOffsetBeyondFourteenHours_Throws(double hours)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(
            () => new SimulatedClimateSensor(SimulatedProfile.Dht22, 1, TimeSpan.FromHours(hours)));
        Assert.Equal("utcOffset", ex.ParamName);
    }

    [Theory]
    [InlineData(14.0)]
    [InlineData(-12.0)]
    [InlineData(5.75)]
    public void Constructor_RealTimeZoneOffset_IsAccepted(double hours)
    {
        var sensor = new SimulatedClimateSensor(SimulatedProfile.Dht22, 1, TimeSpan.FromHours(hours));
        Assert.NotNull(sensor.Read(Start).TemperatureC);
    }

    [Fact]
    public void Constructor_UndefinedProfile_Throws()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(
            () => new SimulatedClimateSensor((SimulatedProfile)99, 1, TimeSpan.Zero));
        Assert.Equal("profile", ex.ParamName);
    }

    [Theory]
    [InlineData(SimulatedProfile.Dht22)]
    [InlineData(SimulatedProfile.Scd30)]
    public void Read_SameSeedAndTimes_ReturnsIdenticalSeries(SimulatedProfile profile)
    {
        // Irregular gaps, including a step backwards, must replay identically too.
        var times = new[] { 0, 1, 2, 3600, 3599, 90_000, 90_010, 200_000 }
            .Select(s => Start.AddSeconds(s)).ToArray();

        var first = Series(new SimulatedClimateSensor(profile, 123, TimeSpan.FromHours(2)), times);
        var second = Series(new SimulatedClimateSensor(profile, 123, TimeSpan.FromHours(2)), times);

        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData(SimulatedProfile.Dht22)]
    [InlineData(SimulatedProfile.Scd30)]
    public void Read_DifferentSeeds_ReturnDifferentSeries(SimulatedProfile profile)
    {
        var times = Every(TenMinutes, TimeSpan.FromDays(1));

        var a = Series(new SimulatedClimateSensor(profile, 1, TimeSpan.Zero), times);
        var b = Series(new SimulatedClimateSensor(profile, 2, TimeSpan.Zero), times);

        Assert.NotEqual(a, b);
        Assert.NotEqual(a.Average(s => s.TemperatureC!.Value), b.Average(s => s.TemperatureC!.Value));
    }

    [Theory]
    [MemberData(nameof(ProfilesAndSeeds))]
    public void Read_ThirtyDaysEveryTenMinutes_StaysFiniteAndInChipRange(SimulatedProfile profile, int seed)
    {
        var sensor = new SimulatedClimateSensor(profile, seed, TimeSpan.FromHours(1));
        double maxTemperatureC = profile == SimulatedProfile.Dht22 ? 80.0 : 70.0;

        foreach (var now in Every(TenMinutes, TimeSpan.FromDays(30)))
        {
            var sample = sensor.Read(now);

            Assert.NotNull(sample.TemperatureC);
            Assert.NotNull(sample.HumidityPercent);
            Assert.True(double.IsFinite(sample.TemperatureC.Value));
            Assert.True(double.IsFinite(sample.HumidityPercent.Value));
            Assert.InRange(sample.TemperatureC.Value, -40.0, maxTemperatureC);
            Assert.InRange(sample.HumidityPercent.Value, 0.0, 100.0);
            if (profile == SimulatedProfile.Scd30)
            {
                Assert.NotNull(sample.Co2Ppm);
                Assert.True(double.IsFinite(sample.Co2Ppm.Value));
                Assert.InRange(sample.Co2Ppm.Value, 0.0, 40_000.0);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ProfilesAndSeeds))]
    public void Read_TwoYearsHourly_StaysInPlausibleBarnClimate(SimulatedProfile profile, int seed)
    {
        // Guards against an unbounded random walk: years later the barn still looks like a barn.
        var sensor = new SimulatedClimateSensor(profile, seed, TimeSpan.Zero);

        foreach (var now in Every(TimeSpan.FromHours(1), TimeSpan.FromDays(730)))
        {
            var sample = sensor.Read(now);

            Assert.InRange(sample.TemperatureC!.Value, 0.0, 35.0);
            Assert.InRange(sample.HumidityPercent!.Value, 20.0, 100.0);
            if (sample.Co2Ppm is { } co2)
            {
                Assert.InRange(co2, 400.0, 2500.0);
            }
        }
    }

    [Fact]
    public void Read_Dht22Profile_HasNoCo2AndNoPressure()
    {
        var sensor = new SimulatedClimateSensor(SimulatedProfile.Dht22, 5, TimeSpan.Zero);

        Assert.All(Series(sensor, Every(TenMinutes, TimeSpan.FromDays(2))), sample =>
        {
            Assert.Null(sample.Co2Ppm);
            Assert.Null(sample.PressureHpa);
        });
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Read_Scd30Profile_HasCo2AtLeastOutdoorLevelAndNoPressure(int seed)
    {
        var sensor = new SimulatedClimateSensor(SimulatedProfile.Scd30, seed, TimeSpan.Zero);

        Assert.All(Series(sensor, Every(TenMinutes, TimeSpan.FromDays(30))), sample =>
        {
            Assert.NotNull(sample.Co2Ppm);
            Assert.True(sample.Co2Ppm >= 400.0, $"CO2 {sample.Co2Ppm} ppm is below outdoor air");
            Assert.Null(sample.PressureHpa);
        });
    }

    [Theory]
    [InlineData(SimulatedProfile.Dht22, 1)]
    [InlineData(SimulatedProfile.Dht22, 2)]
    [InlineData(SimulatedProfile.Scd30, 3)]
    public void Read_WeekOfSamples_AfternoonWarmerAndDrierThanBeforeDawn(SimulatedProfile profile, int seed)
    {
        var week = Series(new SimulatedClimateSensor(profile, seed, TimeSpan.Zero), Every(TenMinutes, TimeSpan.FromDays(7)));

        double afternoonC = MeanAtUtcHours(week, 14, 16, s => s.TemperatureC);
        double beforeDawnC = MeanAtUtcHours(week, 4, 6, s => s.TemperatureC);
        double afternoonPercent = MeanAtUtcHours(week, 14, 16, s => s.HumidityPercent);
        double beforeDawnPercent = MeanAtUtcHours(week, 4, 6, s => s.HumidityPercent);

        Assert.True(afternoonC > beforeDawnC + 4.0, $"afternoon {afternoonC:F2} °C, before dawn {beforeDawnC:F2} °C");
        Assert.True(afternoonPercent < beforeDawnPercent - 10.0, $"afternoon {afternoonPercent:F1} %, before dawn {beforeDawnPercent:F1} %");
        Assert.InRange(beforeDawnPercent, 70.0, 90.0);
        Assert.InRange(afternoonPercent, 45.0, 65.0);
    }

    [Fact]
    public void Read_UtcOffsetPlusNine_MovesWarmestUtcHoursNineHoursEarlier()
    {
        var times = Every(TenMinutes, TimeSpan.FromDays(7));
        var utc = Series(new SimulatedClimateSensor(SimulatedProfile.Dht22, 8, TimeSpan.Zero), times);
        var tokyo = Series(new SimulatedClimateSensor(SimulatedProfile.Dht22, 8, TimeSpan.FromHours(9)), times);

        // 05-07 UTC is 14-16 local in UTC+9 (afternoon) but 05-07 local at UTC (before dawn).
        Assert.True(MeanAtUtcHours(tokyo, 5, 7, s => s.TemperatureC) > MeanAtUtcHours(tokyo, 19, 21, s => s.TemperatureC) + 4.0);
        Assert.True(MeanAtUtcHours(utc, 5, 7, s => s.TemperatureC) < MeanAtUtcHours(utc, 19, 21, s => s.TemperatureC));
    }

    [Theory]
    [InlineData(SimulatedProfile.Dht22, -5)]
    [InlineData(SimulatedProfile.Scd30, 9)]
    public void Read_UtcOffset_ShiftsTheCycleByExactlyTheOffset(SimulatedProfile profile, int offsetHours)
    {
        // Same seed, same gaps and same local times => same samples, whatever the offset.
        var offset = TimeSpan.FromHours(offsetHours);
        var times = Every(TenMinutes, TimeSpan.FromDays(3));

        var local = Series(new SimulatedClimateSensor(profile, 11, offset), times);
        var utc = Series(new SimulatedClimateSensor(profile, 11, TimeSpan.Zero), times.Select(t => t + offset).ToArray());

        Assert.Equal(utc, local);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(21)]
    public void Read_WeekOfScd30Samples_Co2HigherAtNightThanInTheAfternoon(int seed)
    {
        var week = Series(new SimulatedClimateSensor(SimulatedProfile.Scd30, seed, TimeSpan.Zero), Every(TenMinutes, TimeSpan.FromDays(7)));

        double nightPpm = MeanAtUtcHours(week, 2, 5, s => s.Co2Ppm);
        double afternoonPpm = MeanAtUtcHours(week, 13, 16, s => s.Co2Ppm);

        Assert.True(nightPpm > afternoonPpm + 200.0, $"night {nightPpm:F0} ppm, afternoon {afternoonPpm:F0} ppm");
        Assert.InRange(nightPpm, 800.0, 1500.0);
        Assert.InRange(afternoonPpm, 500.0, 900.0);
    }

    [Fact]
    public void Read_Dht22Profile_RoundsToTenths()
    {
        var days = Series(new SimulatedClimateSensor(SimulatedProfile.Dht22, 6, TimeSpan.Zero), Every(TenMinutes, TimeSpan.FromDays(2)));

        Assert.All(days, sample =>
        {
            AssertResolution(sample.TemperatureC!.Value, 1);
            AssertResolution(sample.HumidityPercent!.Value, 1);
        });
    }

    [Fact]
    public void Read_Scd30Profile_RoundsToHundredthsAndCo2ToTenths()
    {
        var days = Series(new SimulatedClimateSensor(SimulatedProfile.Scd30, 6, TimeSpan.Zero), Every(TenMinutes, TimeSpan.FromDays(2)));

        Assert.All(days, sample =>
        {
            AssertResolution(sample.TemperatureC!.Value, 2);
            AssertResolution(sample.HumidityPercent!.Value, 2);
            AssertResolution(sample.Co2Ppm!.Value, 1);
        });
        // Finer than the DHT22: the hundredths are actually used, not just allowed.
        Assert.Contains(days, s => Math.Round(s.TemperatureC!.Value, 1) != s.TemperatureC);
        Assert.Contains(days, s => Math.Round(s.Co2Ppm!.Value) != s.Co2Ppm);
    }

    [Fact]
    public void Read_ReadsOneSecondApart_ChangeLessThanReadsOneHourApart()
    {
        var seconds = Series(new SimulatedClimateSensor(SimulatedProfile.Scd30, 9, TimeSpan.Zero), Every(TimeSpan.FromSeconds(1), TimeSpan.FromHours(2)));
        var hours = Series(new SimulatedClimateSensor(SimulatedProfile.Scd30, 9, TimeSpan.Zero), Every(TimeSpan.FromHours(1), TimeSpan.FromDays(30)));

        double secondStepC = MeanAbsoluteStep(seconds, s => s.TemperatureC);
        double hourStepC = MeanAbsoluteStep(hours, s => s.TemperatureC);

        Assert.True(secondStepC < 0.2, $"1 s steps average {secondStepC:F3} °C");
        Assert.True(hourStepC > 3 * secondStepC, $"1 h steps {hourStepC:F3} °C vs 1 s steps {secondStepC:F3} °C");
    }

    [Theory]
    [InlineData(SimulatedProfile.Dht22)]
    [InlineData(SimulatedProfile.Scd30)]
    public void Read_TimeGoesBackwardsOrJumpsToExtremes_ReturnsValuesInRange(SimulatedProfile profile)
    {
        var sensor = new SimulatedClimateSensor(profile, 13, TimeSpan.FromHours(14));
        var times = new[]
        {
            Start, Start.AddDays(-3), Start.AddSeconds(-1), DateTimeOffset.MaxValue,
            DateTimeOffset.MinValue, Start, Start,
        };

        foreach (var now in times)
        {
            var sample = sensor.Read(now);

            Assert.InRange(sample.TemperatureC!.Value, -40.0, 70.0);
            Assert.InRange(sample.HumidityPercent!.Value, 0.0, 100.0);
        }
    }

    private static DateTimeOffset[] Every(TimeSpan step, TimeSpan span) =>
        Enumerable.Range(0, (int)(span / step)).Select(i => Start + i * step).ToArray();

    private static ClimateSample[] Series(SimulatedClimateSensor sensor, IEnumerable<DateTimeOffset> times) =>
        times.Select(sensor.Read).ToArray();

    /// <summary>
    /// Mean over samples whose UTC hour is in [fromHour, toHour), for a series taken every
    /// 10 minutes from <see cref="Start"/> (midnight UTC).
    /// </summary>
    private static double MeanAtUtcHours(ClimateSample[] series, int fromHour, int toHour, Func<ClimateSample, double?> metric) =>
        series
            .Where((_, i) => (Start + i * TenMinutes).Hour >= fromHour && (Start + i * TenMinutes).Hour < toHour)
            .Average(s => metric(s)!.Value);

    private static double MeanAbsoluteStep(ClimateSample[] series, Func<ClimateSample, double?> metric) =>
        series.Zip(series.Skip(1), (a, b) => Math.Abs(metric(b)!.Value - metric(a)!.Value)).Average();

    private static void AssertResolution(double value, int decimals) =>
        Assert.True(Math.Round(value, decimals) == value, $"{value} has more than {decimals} decimals");
}
