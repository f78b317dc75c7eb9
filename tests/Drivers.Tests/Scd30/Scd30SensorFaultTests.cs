using FarmGateway.Drivers.Linux;
using FarmGateway.Drivers.Scd30;
using FarmGateway.Drivers.Tests.Testing;

namespace FarmGateway.Drivers.Tests.Scd30;

public sealed class Scd30SensorFaultTests
{
    [Theory]
    [InlineData(Errno.EREMOTEIO, SensorErrorKind.NotPresent)]
    [InlineData(Errno.ENXIO, SensorErrorKind.NotPresent)]
    [InlineData(Errno.EIO, SensorErrorKind.BusError)]
    [InlineData(Errno.ETIMEDOUT, SensorErrorKind.Timeout)]
    public async Task ReadAsync_EveryTransferFails_GivesTheErrnosKind(int errno, SensorErrorKind kind)
    {
        using var rig = new Scd30Rig();
        rig.Chip.AlwaysErrno = errno;

        var error = (await rig.ReadAsync()).Error!;

        Assert.Equal(kind, error.Kind);
        Assert.Equal(errno, error.Errno);
        Assert.Contains("reading the firmware version", error.Message);
    }

    [Theory]
    [InlineData(Errno.EREMOTEIO, SensorErrorKind.NotPresent)]
    [InlineData(Errno.EIO, SensorErrorKind.BusError)]
    [InlineData(Errno.ETIMEDOUT, SensorErrorKind.Timeout)]
    public async Task ReadAsync_MeasurementReadFailsOnce_GivesTheKindAndTheNextReadWorks(int errno, SensorErrorKind kind)
    {
        using var rig = new Scd30Rig();
        await rig.ReadAsync();
        rig.Clock.Advance(TimeSpan.FromSeconds(2)); // data ready: poll write, poll read, measurement write, measurement read
        rig.Chip.FailTransfer(4, errno);

        var failed = await rig.ReadAsync();
        var next = await rig.ReadAsync();

        Assert.Equal(kind, failed.Error!.Kind);
        Assert.Contains("reading the measurement", failed.Error.Message);
        Assert.Null(next.Error);
        Assert.Equal(Scd30RecoveryStep.None, rig.Sensor.RecoveryStep);
    }

    [Fact]
    public async Task ReadAsync_BadCrcInTheFrame_IsChecksumMismatchNotASample()
    {
        using var rig = new Scd30Rig();
        rig.Chip.BadCrcFrames = 1;

        var bad = await rig.ReadAsync();
        var good = await rig.ReadAsync();

        Assert.Null(bad.Sample);
        Assert.Equal(SensorErrorKind.ChecksumMismatch, bad.Error!.Kind);
        Assert.Null(good.Error);
    }

    [Fact]
    public async Task ReadAsync_BadCrcInTheDataReadyWord_IsChecksumMismatch()
    {
        using var rig = new Scd30Rig();
        var chipAnswers = new CorruptingBus(rig.Chip, command: 0x0202);
        using var sensor = new Scd30Sensor(chipAnswers, Scd30Rig.Defaults, rig.Clock);

        var result = await sensor.ReadAsync(CancellationToken.None);

        Assert.Equal(SensorErrorKind.ChecksumMismatch, result.Error!.Kind);
        Assert.Contains("polling data ready", result.Error.Message);
    }

    [Theory]
    [InlineData(float.NaN, 20f, 50f)]
    [InlineData(500f, float.NaN, 50f)]
    [InlineData(500f, 20f, float.NaN)]
    public async Task ReadAsync_NaNInTheFrame_IsOutOfRange(float co2, float temperature, float humidity)
    {
        using var rig = new Scd30Rig();
        rig.Chip.Co2Ppm = co2;
        rig.Chip.TemperatureC = temperature;
        rig.Chip.HumidityPercent = humidity;

        var result = await rig.ReadAsync();

        Assert.Null(result.Sample);
        Assert.Equal(SensorErrorKind.OutOfRange, result.Error!.Kind);
    }

    [Fact]
    public async Task ReadAsync_FirstFrameZeroPpm_IsDroppedAsNotReadyThenSamples()
    {
        using var rig = new Scd30Rig();
        rig.Chip.FirstFrameZero = true;

        var first = await rig.ReadAsync();
        var second = await rig.ReadAsync();

        Assert.Equal(SensorErrorKind.NotReady, first.Error!.Kind);
        Assert.Equal(612.5, second.Sample!.Value.Co2Ppm);
    }

    [Fact]
    public async Task ReadAsync_Co2StuckAtZero_ReportsAHardwareFaultAfterSeveralFrames()
    {
        using var rig = new Scd30Rig();
        rig.Chip.Co2StuckAtZero = true;

        var results = await rig.ReadAsync(4);

        Assert.All(results.Take(3), r => Assert.Equal(SensorErrorKind.NotReady, r.Error!.Kind));
        Assert.Equal(SensorErrorKind.OutOfRange, results[3].Error!.Kind);
        Assert.Contains("hardware fault", results[3].Error!.Message);
        Assert.Contains("stuck at 0 ppm", results[3].Error!.Message);
    }

    [Fact]
    public async Task ReadAsync_Co2ZeroOnceAfterTheFirstFrame_DoesNotReportAFault()
    {
        using var rig = new Scd30Rig();
        await rig.ReadAsync();
        rig.Chip.Co2Ppm = 0;
        var zero = await rig.ReadAsync();
        rig.Chip.Co2Ppm = 800;

        var results = await rig.ReadAsync(3);

        Assert.Equal(SensorErrorKind.NotReady, zero.Error!.Kind);
        Assert.All(results, r => Assert.Null(r.Error));
    }

    [Fact]
    public async Task ReadAsync_DataNotReadyWithinTheInterval_IsNotReady()
    {
        using var rig = new Scd30Rig();
        rig.Chip.NeverReady = true;

        var result = await rig.ReadAsync();

        Assert.Equal(SensorErrorKind.NotReady, result.Error!.Kind);
        Assert.Equal(0, rig.Chip.FramesRead);
        // Bounded: one interval (2 s) plus the 2 s margin of 100 ms polls, not forever.
        int polls = rig.Chip.Commands().Count(c => c == 0x0202);
        Assert.InRange(polls, 20, 45);
    }

    [Fact]
    public async Task ReadAsync_DataReadyAfterAWhile_PollsEvery100MsUntilReady()
    {
        using var rig = new Scd30Rig();

        var result = await rig.ReadAsync();

        Assert.Null(result.Error);
        Assert.Contains(TimeSpan.FromMilliseconds(100), rig.Clock.Delays);
        Assert.True(rig.Chip.Commands().Count(c => c == 0x0202) > 1);
    }

    [Fact]
    public async Task ReadAsync_DataReadyAnswersTwo_IsProtocolError()
    {
        using var rig = new Scd30Rig();
        using var sensor = new Scd30Sensor(new CorruptingBus(rig.Chip, 0x0202, replaceWith: 2), Scd30Rig.Defaults, rig.Clock);

        var result = await sensor.ReadAsync(CancellationToken.None);

        Assert.Equal(SensorErrorKind.ProtocolError, result.Error!.Kind);
    }

    [Fact]
    public async Task ReadAsync_DeviceThrows_ReturnsAnErrorInsteadOfThrowing()
    {
        var clock = new VirtualClock();
        using var sensor = new Scd30Sensor(new ThrowingBus(), Scd30Rig.Defaults, clock);

        var result = await sensor.ReadAsync(CancellationToken.None);

        Assert.Equal(SensorErrorKind.ProtocolError, result.Error!.Kind);
        Assert.Contains("unexpected", result.Error.Message);
    }

    /// <summary>Passes everything through but replaces the answer to one command: a wrong CRC, or a given word.</summary>
    private sealed class CorruptingBus(Scd30Emulator chip, ushort command, ushort? replaceWith = null) : II2cBus, II2cDevice
    {
        private ushort? _last;

        public I2cOpenResult Open(int bus, int address)
        {
            var result = chip.Open(bus, address);
            return result.Device is null ? result : result with { Device = this };
        }

        public int Write(ReadOnlySpan<byte> data)
        {
            _last = data.Length >= 2 ? (ushort)((data[0] << 8) | data[1]) : null;
            return chip.Write(data);
        }

        public int Read(Span<byte> buffer)
        {
            int errno = chip.Read(buffer);
            if (errno == 0 && _last == command)
            {
                if (replaceWith is { } word) Scd30Emulator.Word(word).CopyTo(buffer);
                else buffer[2] ^= 0xFF;
            }

            return errno;
        }

        public void Dispose() => chip.Dispose();
    }

    private sealed class ThrowingBus : II2cBus, II2cDevice
    {
        public I2cOpenResult Open(int bus, int address) => new(this, 0, "/dev/i2c-1");
        public int Write(ReadOnlySpan<byte> data) => throw new InvalidOperationException("boom");
        public int Read(Span<byte> buffer) => throw new InvalidOperationException("boom");
        public void Dispose() => throw new InvalidOperationException("boom on close");
    }
}
