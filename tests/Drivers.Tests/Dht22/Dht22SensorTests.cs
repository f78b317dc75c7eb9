using System.Globalization;
using FarmGateway.Drivers.Dht22;
using FarmGateway.Drivers.Linux;
using FarmGateway.Drivers.Tests.Testing;

namespace FarmGateway.Drivers.Tests.Dht22;

public sealed class Dht22SensorTests : IDisposable
{
    private const double Tolerance = 1e-9;
    private static readonly TimeSpan Spacing = TimeSpan.FromSeconds(2.1);
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(10);

    private readonly VirtualClock _clock = new();
    private readonly FakeSysfs _sysfs;

    public Dht22SensorTests() => _sysfs = new FakeSysfs(_clock);

    public void Dispose() => _sysfs.Dispose();

    [Fact]
    public async Task ReadAsync_FirstGoodRead_IsDroppedAsNotReady()
    {
        AddDht("iio:device0", gpio: 4, 21.5, 48.2);
        using var sensor = Sensor();

        var first = await sensor.ReadAsync(CancellationToken.None);
        var second = await NextAsync(sensor);

        Assert.Equal(SensorErrorKind.NotReady, first.Error!.Kind);
        Assert.Equal(21.5, second.Sample!.Value.TemperatureC!.Value, Tolerance);
        Assert.Equal(48.2, second.Sample!.Value.HumidityPercent!.Value, Tolerance);
        Assert.Equal("DHT22", sensor.Model);
    }

    [Fact]
    public async Task ReadAsync_NegativeTemperature_ReturnsDegreesC()
    {
        AddDht("iio:device0", gpio: 4, -12.3, 80.0);
        using var sensor = await PrimedAsync();

        var sample = (await NextAsync(sensor)).Sample!.Value;

        Assert.Equal(-12.3, sample.TemperatureC!.Value, Tolerance);
    }

    [Fact]
    public async Task ReadAsync_NoDht11Device_NotPresentWithTheOverlayLine()
    {
        _sysfs.AddIioDevice("iio:device0", "bme280", ("in_temp_input", "20000"));
        using var sensor = Sensor(new Dht22Options { Gpio = 4 });

        var error = (await sensor.ReadAsync(CancellationToken.None)).Error!;

        Assert.Equal(SensorErrorKind.NotPresent, error.Kind);
        Assert.Equal("no IIO device named dht11 for GPIO 4: add dtoverlay=dht11,gpiopin=4 to /boot/firmware/config.txt and reboot", error.Message);
    }

    [Fact]
    public async Task ReadAsync_SeveralDht11Devices_PicksTheOneOnTheGpioByUnitAddress()
    {
        AddDht("iio:device0", gpio: 4, 10.0, 40.0);
        var wanted = AddDht("iio:device1", gpio: 17, 20.0, 50.0);
        AddDht("iio:device2", gpio: 27, 30.0, 60.0);
        using var sensor = await PrimedAsync(new Dht22Options { Gpio = 17 });

        var sample = (await NextAsync(sensor)).Sample!.Value;

        Assert.Equal(20.0, sample.TemperatureC!.Value, Tolerance);
        Assert.Equal(wanted, sensor.DevicePath);
    }

    [Fact]
    public async Task ReadAsync_NamesWithoutUnitAddress_PicksByDeviceTreeGpios()
    {
        var first = _sysfs.AddIioDevice("iio:device0", "dht11", Values(10.0, 40.0));
        var second = _sysfs.AddIioDevice("iio:device1", "dht11", Values(20.0, 50.0));
        WriteGpiosProperty(first, phandle: 0x38, pin: 4);
        WriteGpiosProperty(second, phandle: 0x1f8, pin: 17);
        using var sensor = await PrimedAsync(new Dht22Options { Gpio = 17 });

        var sample = (await NextAsync(sensor)).Sample!.Value;

        Assert.Equal(20.0, sample.TemperatureC!.Value, Tolerance);
        Assert.Equal(second, sensor.DevicePath);
    }

    [Fact]
    public async Task ReadAsync_UnitAddressNotRewritten_TheDeviceTreeGpiosDecides()
    {
        // An overlay that does not rewrite reg leaves every node dht11@0: the name would say GPIO 0.
        var first = _sysfs.AddIioDevice("iio:device0", "dht11@0", Values(10.0, 40.0));
        var second = _sysfs.AddIioDevice("iio:device1", "dht11@0", Values(20.0, 50.0));
        WriteGpiosProperty(first, phandle: 0x38, pin: 4);
        WriteGpiosProperty(second, phandle: 0x38, pin: 17);
        using var sensor = await PrimedAsync(new Dht22Options { Gpio = 4 });

        var sample = (await NextAsync(sensor)).Sample!.Value;

        Assert.Equal(10.0, sample.TemperatureC!.Value, Tolerance);
        Assert.Equal(first, sensor.DevicePath);
    }

    [Fact]
    public async Task ReadAsync_TwoDevicesAndNoGpio_AsksForGpio()
    {
        AddDht("iio:device0", gpio: 4, 10.0, 40.0);
        AddDht("iio:device1", gpio: 17, 20.0, 50.0);
        using var sensor = Sensor();

        var error = (await sensor.ReadAsync(CancellationToken.None)).Error!;

        Assert.Equal(SensorErrorKind.NotPresent, error.Kind);
        Assert.Contains("set Gpio", error.Message);
    }

    [Fact]
    public async Task ReadAsync_ExplicitDevicePath_WinsOverTheLookup()
    {
        AddDht("iio:device0", gpio: 4, 10.0, 40.0);
        var other = _sysfs.AddIioDevice("iio:device5", "something-else", Values(20.0, 50.0));
        using var sensor = await PrimedAsync(new Dht22Options { DevicePath = other, Gpio = 4 });

        Assert.Equal(20.0, (await NextAsync(sensor)).Sample!.Value.TemperatureC!.Value, Tolerance);
    }

    [Fact]
    public async Task ReadAsync_DeviceRenumbered_PicksItUpAgain()
    {
        var device = AddDht("iio:device0", gpio: 4, 21.0, 50.0);
        using var sensor = await PrimedAsync(new Dht22Options { Gpio = 4 });
        Assert.NotNull((await NextAsync(sensor)).Sample);

        Directory.Move(device, Path.Combine(_sysfs.IioRoot, "iio:device1"));
        _sysfs.AddIioDevice("iio:device0", "bme280", ("in_temp_input", "35000"), ("in_humidityrelative_input", "10000"));
        var result = await NextAsync(sensor);

        Assert.Equal(21.0, result.Sample!.Value.TemperatureC!.Value, Tolerance);
        Assert.EndsWith("iio:device1", sensor.DevicePath);
    }

    [Fact]
    public async Task ReadAsync_DeviceGoneThenBack_NotPresentThenReadsAgain()
    {
        var device = AddDht("iio:device0", gpio: 4, 21.0, 50.0);
        using var sensor = await PrimedAsync(new Dht22Options { Gpio = 4 });
        Directory.Delete(device, recursive: true);

        var gone = await NextAsync(sensor);
        AddDht("iio:device3", gpio: 4, 21.2, 50.5);
        var back = await NextAsync(sensor);

        Assert.Equal(SensorErrorKind.NotPresent, gone.Error!.Kind);
        Assert.Equal(21.2, back.Sample!.Value.TemperatureC!.Value, Tolerance);
    }

    [Theory]
    [InlineData(Errno.EIO)]
    [InlineData(Errno.ETIMEDOUT)]
    [InlineData(Errno.EAGAIN)]
    public async Task ReadAsync_TransientErrnoTwiceThenGood_SucceedsWithinOneCall(int errno)
    {
        var device = AddDht("iio:device0", gpio: 4, 22.0, 55.0);
        using var sensor = await PrimedAsync();
        _sysfs.FailNext(Temperature(device), errno, times: 2);
        var readsBefore = TemperatureReads(device).Count;

        var result = await NextAsync(sensor);

        Assert.Equal(22.0, result.Sample!.Value.TemperatureC!.Value, Tolerance);
        Assert.Equal(readsBefore + 3, TemperatureReads(device).Count);
    }

    [Theory]
    [InlineData(Errno.EIO, SensorErrorKind.ChecksumMismatch)]
    [InlineData(Errno.ETIMEDOUT, SensorErrorKind.Timeout)]
    [InlineData(Errno.EAGAIN, SensorErrorKind.Timeout)]
    public async Task ReadAsync_EveryAttemptFails_GivesUpAfterMaxAttempts(int errno, SensorErrorKind expected)
    {
        var device = AddDht("iio:device0", gpio: 4, 22.0, 55.0);
        using var sensor = Sensor();
        _sysfs.FailNext(Temperature(device), errno, times: 3);

        var error = (await sensor.ReadAsync(CancellationToken.None)).Error!;

        Assert.Equal(expected, error.Kind);
        Assert.Equal(errno, error.Errno);
        Assert.Equal(3, TemperatureReads(device).Count);
        Assert.Equal(3, sensor.ConsecutiveFailures);
    }

    [Fact]
    public async Task ReadAsync_Retries_AttemptsAreAtLeast2point1SecondsApart()
    {
        var device = AddDht("iio:device0", gpio: 4, 22.0, 55.0);
        using var sensor = Sensor();
        _sysfs.FailNext(Temperature(device), Errno.EIO, times: 5);

        await sensor.ReadAsync(CancellationToken.None);
        await sensor.ReadAsync(CancellationToken.None);

        var times = TemperatureReads(device).Select(r => r.At).ToList();
        Assert.Equal(6, times.Count);
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.True(pair.Second - pair.First >= Spacing, $"{pair.Second - pair.First}"));
    }

    [Fact]
    public async Task ReadAsync_OneSecondAfterTheLastAttempt_WaitsTheRemaining1point1Seconds()
    {
        AddDht("iio:device0", gpio: 4, 22.0, 55.0);
        using var sensor = Sensor();
        await sensor.ReadAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(1));

        await sensor.ReadAsync(CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(1.1), _clock.Delays[^1]);
    }

    [Fact]
    public async Task ReadAsync_HumidityFails_RetriesBothFilesInTheSameAttempt()
    {
        var device = AddDht("iio:device0", gpio: 4, 22.0, 55.0);
        using var sensor = await PrimedAsync();
        _sysfs.FailNext(Humidity(device), Errno.EIO);

        var result = await NextAsync(sensor);

        Assert.NotNull(result.Sample);
        var last = _sysfs.Reads.Where(r => r.Path == Temperature(device) || r.Path == Humidity(device)).TakeLast(4).ToList();
        Assert.Equal(last[0].At, last[1].At);
        Assert.Equal(last[2].At, last[3].At);
        Assert.True(last[2].At - last[0].At >= Spacing);
    }

    [Fact]
    public async Task ReadAsync_PermissionDenied_NotRetriedAndHinted()
    {
        var device = AddDht("iio:device0", gpio: 4, 22.0, 55.0);
        using var sensor = Sensor();
        _sysfs.FailNext(Temperature(device), Errno.EACCES);

        var error = (await sensor.ReadAsync(CancellationToken.None)).Error!;

        Assert.Equal(SensorErrorKind.PermissionDenied, error.Kind);
        Assert.Contains("service user", error.Message);
        Assert.Single(TemperatureReads(device));
    }

    [Theory]
    [InlineData(85.0, 50.0)]
    [InlineData(-40.5, 50.0)]
    [InlineData(20.0, 100.5)]
    [InlineData(20.0, -0.1)]
    public async Task ReadAsync_ValueOutsideChipRange_OutOfRange(double temperature, double humidity)
    {
        var device = AddDht("iio:device0", gpio: 4, 20.0, 50.0);
        using var sensor = await PrimedAsync();
        SetValues(device, temperature, humidity);

        Assert.Equal(SensorErrorKind.OutOfRange, (await NextAsync(sensor)).Error!.Kind);
    }

    [Fact]
    public async Task ReadAsync_JumpThatStays_RejectedThreeTimesThenAccepted()
    {
        var device = AddDht("iio:device0", gpio: 4, 20.0, 50.0);
        using var sensor = await PrimedAsync();
        Assert.NotNull((await NextAsync(sensor)).Sample);
        SetValues(device, 30.0, 50.0);

        var rejected = new[] { await NextAsync(sensor), await NextAsync(sensor), await NextAsync(sensor) };
        var accepted = await NextAsync(sensor);

        Assert.All(rejected, r => Assert.Equal(SensorErrorKind.OutOfRange, r.Error!.Kind));
        Assert.Contains("temperature jumped from 20.0 to 30.0 °C", rejected[0].Error!.Message);
        Assert.Equal(30.0, accepted.Sample!.Value.TemperatureC!.Value, Tolerance);
    }

    [Fact]
    public async Task ReadAsync_SingleSpike_RejectedAndTheNormalValueAfterIsAccepted()
    {
        var device = AddDht("iio:device0", gpio: 4, 20.0, 50.0);
        using var sensor = await PrimedAsync();
        Assert.NotNull((await NextAsync(sensor)).Sample);

        SetValues(device, 20.0, 95.0);
        var spike = await NextAsync(sensor);
        SetValues(device, 20.1, 50.3);
        var after = await NextAsync(sensor);

        Assert.Contains("humidity jumped", spike.Error!.Message);
        Assert.Equal(50.3, after.Sample!.Value.HumidityPercent!.Value, Tolerance);
    }

    [Fact]
    public async Task ReadAsync_LargeChangeOverALongGap_Accepted()
    {
        var device = AddDht("iio:device0", gpio: 4, 20.0, 50.0);
        using var sensor = await PrimedAsync();
        Assert.NotNull((await NextAsync(sensor)).Sample);
        SetValues(device, 32.0, 50.0);
        _clock.Advance(TimeSpan.FromMinutes(5));

        Assert.NotNull((await sensor.ReadAsync(CancellationToken.None)).Sample);
    }

    [Fact]
    public async Task ReadAsync_HumidityAt99point9FiveTimes_ReportedStuck()
    {
        AddDht("iio:device0", gpio: 4, 20.0, 99.9);
        using var sensor = Sensor();

        var results = new List<SensorResult> { await sensor.ReadAsync(CancellationToken.None) };
        for (var i = 0; i < 5; i++) results.Add(await NextAsync(sensor));

        Assert.Equal(SensorErrorKind.NotReady, results[0].Error!.Kind);
        Assert.All(results[1..4], r => Assert.NotNull(r.Sample));
        Assert.Equal(SensorErrorKind.OutOfRange, results[4].Error!.Kind);
        Assert.Equal("humidity stuck at 99.9 %: the sensor may be wet or locked up", results[4].Error!.Message);
        Assert.Equal(SensorErrorKind.OutOfRange, results[5].Error!.Kind);
    }

    [Fact]
    public async Task ReadAsync_SameHumidityForStuckValueReads_ReportedStuckUntilItMoves()
    {
        var device = AddDht("iio:device0", gpio: 4, 20.0, 63.4);
        using var sensor = await PrimedAsync(new Dht22Options { StuckValueReads = 4 });

        var results = new List<SensorResult>();
        for (var i = 0; i < 3; i++) results.Add(await NextAsync(sensor));
        SetValues(device, 20.0, 63.5);
        var moved = await NextAsync(sensor);

        Assert.NotNull(results[0].Sample);
        Assert.NotNull(results[1].Sample);
        Assert.Contains("humidity stuck at 63.4 % for 4 reads", results[2].Error!.Message);
        Assert.NotNull(moved.Sample);
    }

    [Fact]
    public async Task ReadAsync_TenFailuresInARow_PowerCyclesOnceThenKeepsTrying()
    {
        var device = AddDht("iio:device0", gpio: 4, 20.0, 50.0);
        var power = new FakePowerSwitch(_clock);
        using var sensor = Sensor(power: power);
        _sysfs.FailNext(Temperature(device), Errno.ETIMEDOUT, times: 10);

        for (var i = 0; i < 3; i++) Assert.Equal(SensorErrorKind.Timeout, (await NextAsync(sensor)).Error!.Kind);
        Assert.Empty(power.Switches);
        var afterCycle = await NextAsync(sensor);

        Assert.Equal([false, true], power.Switches.Select(s => s.On));
        Assert.Equal(TimeSpan.FromSeconds(1), power.Switches[1].At - power.Switches[0].At);
        Assert.Contains(TimeSpan.FromSeconds(2), _clock.Delays);
        Assert.Equal(SensorErrorKind.NotReady, afterCycle.Error!.Kind); // first read after power-up is stale
        Assert.Equal(1, sensor.PowerCycles);

        _sysfs.FailNext(Temperature(device), Errno.EIO, times: 15);
        for (var i = 0; i < 5; i++) await NextAsync(sensor);
        Assert.Equal(2, power.Switches.Count);

        var good = await NextAsync(sensor);
        Assert.NotNull(good.Sample);
        Assert.Equal(0, sensor.ConsecutiveFailures);
    }

    [Fact]
    public async Task ReadAsync_PowerOffRefused_IsReportedOnce_AndTheSensorIsStillRead()
    {
        var device = AddDht("iio:device0", gpio: 4, 20.0, 50.0);
        var power = new FakePowerSwitch(_clock);
        using var sensor = Sensor(new Dht22Options { FailuresBeforePowerCycle = 1, MaxAttempts = 2 }, power);
        _sysfs.FailNext(Temperature(device), Errno.EIO);
        var refused = new SensorError(SensorErrorKind.PermissionDenied, "no", Errno.EACCES);
        power.FailWith = refused;

        // Attempt 1 fails; the cycle's "off" is refused, so the read reports that.
        Assert.Equal(refused, (await sensor.ReadAsync(CancellationToken.None)).Error);
        var first = await NextAsync(sensor);
        var second = await NextAsync(sensor);

        Assert.Empty(power.Switches);
        Assert.Equal(SensorErrorKind.NotReady, first.Error!.Kind); // first good read after start, dropped
        Assert.Equal(20.0, second.Sample!.Value.TemperatureC);
    }

    [Fact]
    public async Task ReadAsync_PowerOnFails_ReportsItAndTurnsOnAtTheNextRead()
    {
        var device = AddDht("iio:device0", gpio: 4, 20.0, 50.0);
        var power = new FakePowerSwitch(_clock);
        using var sensor = Sensor(new Dht22Options { FailuresBeforePowerCycle = 1, MaxAttempts = 2 }, power);
        _sysfs.FailNext(Temperature(device), Errno.EIO);
        var refused = new SensorError(SensorErrorKind.PermissionDenied, "no", Errno.EACCES);
        power.OnSwitch = on =>
        {
            if (!on) power.FailNext(refused);
        };

        // Attempt 1 fails; the cycle turns the supply off, and turning it on is refused.
        Assert.Equal(refused, (await sensor.ReadAsync(CancellationToken.None)).Error);
        var next = await NextAsync(sensor);

        Assert.Equal([false, true], power.Switches.Select(s => s.On));
        Assert.Equal(SensorErrorKind.NotReady, next.Error!.Kind);
    }

    [Fact]
    public async Task ReadAsync_CancelledBeforehand_ThrowsOperationCanceled()
    {
        AddDht("iio:device0", gpio: 4, 20.0, 50.0);
        using var sensor = Sensor();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await sensor.ReadAsync(new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task ReadAsync_CancelledDuringTheSpacingWait_ThrowsPromptly()
    {
        AddDht("iio:device0", gpio: 4, 20.0, 50.0);
        var clock = new WaitingClock();
        using var sensor = new Dht22Sensor(_sysfs, new Dht22Options { IioRoot = _sysfs.IioRoot }, clock);
        await sensor.ReadAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();

        var read = sensor.ReadAsync(cts.Token).AsTask();
        await Eventually.True(() => clock.Waiting, "the read waits out the 2.1 s spacing");
        cts.Cancel();

        var finished = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(read, finished);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    [Fact]
    public void Dispose_PowerSwitchThrows_DoesNotThrow()
    {
        var sensor = Sensor(power: new ThrowingPowerSwitch());

        sensor.Dispose();
        sensor.Dispose();
    }

    [Fact]
    public void Dispose_WithPowerSwitch_DisposesIt()
    {
        var power = new FakePowerSwitch(_clock);
        Sensor(power: power).Dispose();

        Assert.True(power.Disposed);
    }

    [Fact]
    public async Task ReadAsync_AfterDispose_FailsWithoutThrowing()
    {
        AddDht("iio:device0", gpio: 4, 20.0, 50.0);
        var sensor = Sensor();
        sensor.Dispose();

        Assert.NotNull((await sensor.ReadAsync(CancellationToken.None)).Error);
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsQuotingTheValue()
    {
        var ex = Assert.Throws<ArgumentException>(
            () => new Dht22Sensor(_sysfs, new Dht22Options { MaxAttempts = 0, AttemptSpacing = TimeSpan.FromSeconds(1) }, _clock));

        Assert.Contains("MaxAttempts must be at least 1, got 0", ex.Message);
        Assert.Contains("AttemptSpacing", ex.Message);
    }

    private Dht22Sensor Sensor(Dht22Options? options = null, IPowerSwitch? power = null)
    {
        options ??= new Dht22Options();
        options.IioRoot = _sysfs.IioRoot;
        return new Dht22Sensor(_sysfs, options, _clock, power);
    }

    /// <summary>A sensor whose stale first read has been dropped.</summary>
    private async Task<Dht22Sensor> PrimedAsync(Dht22Options? options = null)
    {
        var sensor = Sensor(options);
        Assert.Equal(SensorErrorKind.NotReady, (await sensor.ReadAsync(CancellationToken.None)).Error!.Kind);
        return sensor;
    }

    /// <summary>The next poll, one interval later.</summary>
    private async Task<SensorResult> NextAsync(Dht22Sensor sensor)
    {
        _clock.Advance(PollInterval);
        return await sensor.ReadAsync(CancellationToken.None);
    }

    private string AddDht(string entry, int gpio, double temperature, double humidity) =>
        _sysfs.AddIioDevice(entry, "dht11@" + gpio.ToString("x", CultureInfo.InvariantCulture), Values(temperature, humidity));

    private static (string, string)[] Values(double temperature, double humidity) =>
        [("in_temp_input", Milli(temperature)), ("in_humidityrelative_input", Milli(humidity))];

    private void SetValues(string device, double temperature, double humidity)
    {
        _sysfs.SetFile(Temperature(device), Milli(temperature) + "\n");
        _sysfs.SetFile(Humidity(device), Milli(humidity) + "\n");
    }

    private static string Milli(double value) => ((int)Math.Round(value * 1000)).ToString(CultureInfo.InvariantCulture);

    private static string Temperature(string device) => Path.Combine(device, "in_temp_input");

    private static string Humidity(string device) => Path.Combine(device, "in_humidityrelative_input");

    private List<SysfsRead> TemperatureReads(string device) => [.. _sysfs.Reads.Where(r => r.Path == Temperature(device))];

    /// <summary>The node's `gpios` as the kernel exposes it: three big-endian u32 cells (phandle, pin, flags).</summary>
    private static void WriteGpiosProperty(string device, int phandle, int pin)
    {
        var bytes = new byte[12];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0), phandle);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), pin);
        var path = Path.Combine(device, "of_node", "gpios");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>A clock whose waits only end by cancellation, to see that a read stops promptly.</summary>
    private sealed class WaitingClock : DriverClock
    {
        private TimeSpan _now = TimeSpan.FromHours(1);

        public bool Waiting { get; private set; }

        public override TimeSpan Now => _now;

        public override async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
        {
            Waiting = true;
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }

    private sealed class ThrowingPowerSwitch : IPowerSwitch
    {
        public SensorError? SetPower(bool on) => throw new InvalidOperationException("boom");

        public void Dispose() => throw new InvalidOperationException("boom");
    }
}
