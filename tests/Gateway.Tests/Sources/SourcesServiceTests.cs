using FarmGateway.Configuration;
using FarmGateway.Drivers;
using FarmGateway.Readings;
using FarmGateway.Sources;
using FarmGateway.Status;
using FarmGateway.Tests.Testing;
using Microsoft.Extensions.Options;

namespace FarmGateway.Tests.Sources;

public sealed class SourcesServiceTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new();
    private readonly GatewayCounters _counters = new();
    private readonly SensorHealthRegistry _health = new();
    private readonly CapturingLogger<SourcesService> _logger = new();
    private ReadingQueue _queue = null!;
    private SourcesService? _service;

    public Task InitializeAsync()
    {
        _queue = new ReadingQueue(_counters);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.StopAsync(CancellationToken.None);
            _service.Dispose();
        }
        _dir.Dispose();
    }

    private Task Start(params SensorOptions[] sensors) => Start(new SensorFactory(_time), sensors);

    private async Task Start(ISensorFactory factory, params SensorOptions[] sensors)
    {
        var options = TestOptions.Gateway(_dir.Path, o => o.Sensors = [.. sensors]);
        _service = new SourcesService(Options.Create(options), factory, _queue, _counters, _health, new LatestReadings(), new FixedClock(false), _time, _logger);
        await _service.StartAsync(CancellationToken.None);
    }

    private List<Reading> Drain()
    {
        var readings = new List<Reading>();
        while (_queue.Reader.TryRead(out var r)) readings.Add(r);
        return readings;
    }

    private static SensorOptions Simulated(string name, int seconds, bool enabled = true) =>
        new() { Name = name, Type = SensorType.Simulated, Interval = TimeSpan.FromSeconds(seconds), Enabled = enabled };

    [Fact]
    public async Task Sensors_AtDifferentIntervals_AreEachReadOnTheirOwnSchedule()
    {
        await Start(Simulated("fast", 2), Simulated("slow", 5), Simulated("off", 1, enabled: false));
        await Eventually.True(() => _counters.Produced == 2, "first reading of each enabled sensor at start");

        for (var second = 1; second <= 10; second++)
        {
            // One second at a time, waiting for each due reading: a PeriodicTimer folds ticks
            // that arrive while a read is still running into one, as it would for a slow sensor.
            _time.Advance(TimeSpan.FromSeconds(1));
            var expected = 2 + second / 2 + second / 5;
            await Eventually.True(() => _counters.Produced == expected, $"{expected} readings after {second} s");
        }

        var readings = Drain();
        Assert.Equal(6, readings.Count(r => r.Sensor == "fast"));
        Assert.Equal(3, readings.Count(r => r.Sensor == "slow"));
        Assert.DoesNotContain(readings, r => r.Sensor == "off");
    }

    [Fact]
    public async Task Readings_CarryTheClockTimeAndSyncState()
    {
        await Start(Simulated("s1", 10));
        await Eventually.True(() => _counters.Produced == 1, "a reading");

        var reading = Assert.Single(Drain());
        Assert.Equal(_time.GetUtcNow(), reading.Timestamp);
        Assert.False(reading.ClockSynced);
        Assert.Equal("Simulated-DHT22", reading.Model);
        Assert.NotNull(reading.Values.TemperatureC);
    }

    [Fact]
    public void ReadingLimits_OutOfSchemaRange_IsRejectedNamingTheMetric()
    {
        Assert.Null(ReadingLimits.Check(new ClimateSample(21.5, 55, 612)));
        Assert.Equal("humidity 100.5 is outside 0..100", ReadingLimits.Check(new ClimateSample(21.5, 100.5)));
        Assert.Equal("co2 -3 is outside 0..40000", ReadingLimits.Check(new ClimateSample(Co2Ppm: -3)));
        Assert.Equal("the sample has no metric", ReadingLimits.Check(new ClimateSample()));
    }

    [Fact]
    public async Task FailingSensors_AreCountedAndPolledAgain_WhileTheOthersKeepProducing()
    {
        var factory = new ScriptedFactory(new SensorFactory(_time))
        {
            ["throws"] = _ => throw new IOException("Input/output error", 5),
            ["fails"] = _ => SensorResult.Failed(SensorErrorKind.ChecksumMismatch, "checksum mismatch"),
            ["spikes"] = n => SensorResult.Ok(new ClimateSample(n % 2 == 0 ? 21 : 250, 50)),
        };
        await Start(factory, Simulated("throws", 1), Simulated("fails", 1), Simulated("spikes", 1), Simulated("good", 1));
        await Eventually.True(() => _counters.ReadFailures == 2, "first failures");

        for (var round = 2; round <= 4; round++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Eventually.True(() => _counters.ReadFailures == 2 * round && _counters.Produced + _counters.DroppedTotal == 2 * round, $"round {round}");
        }

        var readings = Drain();
        Assert.Equal(4, readings.Count(r => r.Sensor == "good"));
        Assert.Equal([21.0, 21.0], readings.Where(r => r.Sensor == "spikes").Select(r => r.Values.TemperatureC!.Value));
        Assert.Equal(2, _counters.Dropped[SourcesService.ImplausibleReason]);
    }

    [Fact]
    public async Task Health_FailuresInARow_GoDegradedThenFailedWithOneErrorLog_AndRecoverOnAGoodRead()
    {
        var checksum = SensorResult.Failed(SensorErrorKind.ChecksumMismatch, "checksum mismatch", 5);
        var factory = new ScriptedFactory(new SensorFactory(_time))
        {
            // Six failures, then good readings.
            ["dht"] = n => n < SensorHealth.FailedAfter + 1 ? checksum : SensorResult.Ok(new ClimateSample(20.5, 60)),
        };
        await Start(factory, Simulated("dht", 1));
        await Eventually.True(() => _health.All.Count == 1, "health registered");
        var health = _health.All.Single();

        await Eventually.True(() => health.Reads == 1, "first read");
        Assert.Equal(SensorState.Degraded, health.State);
        for (var read = 2; read <= SensorHealth.FailedAfter + 2; read++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Eventually.True(() => health.Reads == read, $"read {read}");
            var expected = read <= SensorHealth.FailedAfter - 1 ? SensorState.Degraded
                : read <= SensorHealth.FailedAfter + 1 ? SensorState.Failed : SensorState.Ok;
            Assert.Equal(expected, health.State);
        }

        Assert.Equal(0, health.ConsecutiveFailures);
        Assert.Equal(SensorHealth.FailedAfter + 1, health.FailuresByKind[SensorErrorKind.ChecksumMismatch]);
        Assert.Equal(20.5, health.LastGood?.TemperatureC);
        Assert.Equal(_time.GetUtcNow(), health.LastGoodAt);
        var failed = Assert.Single(_logger.Messages(2006));
        Assert.Contains("checksum mismatch", failed);
        Assert.Single(_logger.Messages(2007));
    }

    [Fact]
    public async Task Health_SensorThatCannotBeReached_IsFailedAtOnce_WithTheDriversAdvice_AndTheOthersKeepProducing()
    {
        const string advice = "no IIO device named dht11 for GPIO 4: add dtoverlay=dht11,gpiopin=4 to /boot/firmware/config.txt";
        var factory = new ScriptedFactory(new SensorFactory(_time))
        {
            ["barn-dht"] = _ => SensorResult.Failed(SensorErrorKind.NotPresent, advice),
            ["warming"] = _ => SensorResult.Failed(SensorErrorKind.NotReady, "first read after start is dropped"),
        };
        await Start(factory, Simulated("barn-dht", 1), Simulated("warming", 1), Simulated("good", 1));
        await Eventually.True(() => _health.All.Count == 3 && _health.All.All(h => h.Reads == 1), "first read of each");

        var status = _health.All.ToDictionary(h => h.Name);
        Assert.Equal(SensorState.Failed, status["barn-dht"].State);
        Assert.Equal(SensorState.Starting, status["warming"].State);
        Assert.Equal(SensorState.Ok, status["good"].State);
        Assert.Equal(1, _counters.ReadFailures);
        Assert.Contains(advice, Assert.Single(_logger.Messages(2006)));

        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.True(() => status["barn-dht"].Reads == 2 && status["good"].Reads == 2, "second round");
        Assert.Single(_logger.Messages(2006));
        Assert.Equal(2, Drain().Count(r => r.Sensor == "good"));
    }

    [Fact]
    public async Task SensorTheDriverRefusesToBuild_IsLoggedAndFailed_AndTheOthersRun()
    {
        await Start(new RefusingFactory(new SensorFactory(_time), "refused"), Simulated("refused", 1), Simulated("good", 1));
        await Eventually.True(() => _counters.Produced == 1, "the good sensor reads");

        var refused = _health.All.Single(h => h.Name == "refused");
        Assert.Equal(SensorState.Failed, refused.State);
        Assert.Contains("invalid SCD30 options", refused.LastError?.Message);
        Assert.Contains("Sensor refused (Simulated) cannot be set up", Assert.Single(_logger.Messages(2008)));
    }

    private sealed class RefusingFactory(ISensorFactory real, string refused) : ISensorFactory
    {
        public ISensorSource Create(SensorOptions sensor) => sensor.Name == refused
            ? throw new ArgumentException("invalid SCD30 options: MeasurementInterval 00:00:00.5 must be whole seconds")
            : real.Create(sensor);
    }

    /// <summary>Sources that answer from a script, by sensor name; other names get the real ones.</summary>
    private sealed class ScriptedFactory(ISensorFactory real) : Dictionary<string, Func<int, SensorResult>>, ISensorFactory
    {
        public ISensorSource Create(SensorOptions sensor) =>
            TryGetValue(sensor.Name!, out var script) ? new ScriptedSource(sensor, script) : real.Create(sensor);
    }

    private sealed class ScriptedSource(SensorOptions options, Func<int, SensorResult> script) : ISensorSource
    {
        private int _reads;
        public string Name => options.Name!;
        public string Model => "Scripted";
        public TimeSpan Interval => options.Interval!.Value;

        public ValueTask<SensorResult> ReadAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
            ValueTask.FromResult(script(_reads++));

        public void Dispose()
        {
        }
    }

    private sealed class FixedClock(bool synced) : IClockState
    {
        public bool IsSynchronized => synced;
    }
}
