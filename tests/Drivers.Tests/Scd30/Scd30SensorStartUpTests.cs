using FarmGateway.Drivers.Linux;
using FarmGateway.Drivers.Scd30;

namespace FarmGateway.Drivers.Tests.Scd30;

public sealed class Scd30SensorStartUpTests
{
    [Fact]
    public async Task ReadAsync_HealthyChip_ReturnsTheChipsSample()
    {
        using var rig = new Scd30Rig();

        var result = await rig.ReadAsync();

        Assert.Null(result.Error);
        Assert.Equal(new ClimateSample(TemperatureC: 21.3, HumidityPercent: 55.2, Co2Ppm: 612.5), result.Sample);
        Assert.Equal("SCD30", rig.Sensor.Model);
        Assert.Empty(rig.Chip.ProtocolViolations());
    }

    [Fact]
    public async Task FirmwareVersion_BeforeAndAfterFirstRead_IsNullThenProbed()
    {
        using var rig = new Scd30Rig();
        Assert.Null(rig.Sensor.FirmwareVersion);
        Assert.Equal(0, rig.Chip.OpenCount);

        await rig.ReadAsync();

        Assert.Equal(new Version(3, 66), rig.Sensor.FirmwareVersion);
    }

    [Fact]
    public async Task ReadAsync_FirstRead_ProbesThenConfiguresThenStartsThenPollsThenReads()
    {
        using var rig = new Scd30Rig();

        await rig.ReadAsync();

        var commands = rig.Chip.Commands();
        Assert.Equal(new ushort[] { 0xD100, 0x4600, 0x5403, 0x0010 }, commands.Take(4));
        Assert.All(commands.Skip(4).SkipLast(1), c => Assert.Equal(0x0202, c));
        Assert.Equal(0x0300, commands[^1]);
    }

    [Fact]
    public async Task ReadAsync_SecondRead_DoesNotRunTheStartUpAgain()
    {
        using var rig = new Scd30Rig();
        await rig.ReadAsync();
        int before = rig.Chip.Log.Count;

        await rig.ReadAsync();

        Assert.DoesNotContain(rig.Chip.Log.Skip(before), t => t.Command is 0xD100 or 0x0010);
        Assert.Equal(1, rig.Chip.OpenCount);
    }

    [Fact]
    public async Task ReadAsync_SettingsDiffer_WritesEachOnceAndTheChipHasThem()
    {
        var options = new Scd30Options
        {
            MeasurementInterval = TimeSpan.FromSeconds(30),
            AutoCalibration = true,
            TemperatureOffsetC = 1.5,
            AltitudeMeters = 250,
        };
        using var rig = new Scd30Rig(options);

        var result = await rig.ReadAsync();

        Assert.Null(result.Error);
        Assert.Equal(4, rig.Chip.NvmWrites);
        Assert.Equal(30, rig.Chip.IntervalSeconds);
        Assert.True(rig.Chip.AutoCalibration);
        Assert.Equal(150, rig.Chip.TemperatureOffsetCounts);
        Assert.Equal(250, rig.Chip.AltitudeMeters);
    }

    [Fact]
    public async Task ReadAsync_SecondStartWithSameSettings_WritesNoNvm()
    {
        var options = new Scd30Options { MeasurementInterval = TimeSpan.FromSeconds(10), AutoCalibration = false, TemperatureOffsetC = 2.25, AltitudeMeters = 400 };
        using var first = new Scd30Rig(options);
        await first.ReadAsync();
        first.Dispose();
        int writes = first.Chip.NvmWrites;

        using var second = new Scd30Rig(options, chip: first.Chip, clock: first.Clock);
        var result = await second.ReadAsync();

        Assert.Null(result.Error);
        Assert.Equal(writes, second.Chip.NvmWrites);
        Assert.Equal(2, second.Chip.StartCount);
    }

    [Fact]
    public async Task ReadAsync_UnsetAutoCalibrationAndAltitude_LeavesTheChipsValues()
    {
        using var rig = new Scd30Rig();
        rig.Chip.AutoCalibration = true;
        rig.Chip.AltitudeMeters = 321;

        await rig.ReadAsync();

        Assert.True(rig.Chip.AutoCalibration);
        Assert.Equal(321, rig.Chip.AltitudeMeters);
        Assert.DoesNotContain(rig.Chip.Log, t => t.Command is 0x5306 or 0x5102);
        Assert.Equal(0, rig.Chip.NvmWrites);
    }

    [Theory]
    [InlineData(null, 0)]
    [InlineData((ushort)0, 0)]
    [InlineData((ushort)1013, 1013)]
    public async Task ReadAsync_ChipAlreadyMeasuring_StillSendsStartWithThePressure(ushort? configured, int sent)
    {
        using var rig = new Scd30Rig(Scd30Rig.Defaults with { AmbientPressureMbar = configured });
        rig.Chip.Measuring = true;

        await rig.ReadAsync();

        var start = Assert.Single(rig.Chip.Log, t => t.Command == 0x0010);
        Assert.Equal(Scd30Emulator.Word((ushort)sent), start.Bytes[2..]);
        Assert.Equal(sent, rig.Chip.PressureMbar);
    }

    [Fact]
    public async Task ReadAsync_TemperatureOffset_GoesToTheChipRegisterNotSubtracted()
    {
        using var rig = new Scd30Rig(Scd30Rig.Defaults with { TemperatureOffsetC = 3.0 });

        var result = await rig.ReadAsync();

        Assert.Equal(300, rig.Chip.TemperatureOffsetCounts);
        Assert.Equal(21.3, result.Sample!.Value.TemperatureC);
    }

    [Theory]
    [InlineData(Errno.ENOENT, SensorErrorKind.NotPresent, "/dev/i2c-1 not found: enable I2C with raspi-config or dtparam=i2c_arm=on in /boot/firmware/config.txt")]
    [InlineData(Errno.EACCES, SensorErrorKind.PermissionDenied, "permission denied on /dev/i2c-1: add the service user to the i2c group")]
    [InlineData(Errno.EPERM, SensorErrorKind.PermissionDenied, "add the service user to the i2c group")]
    [InlineData(Errno.EBUSY, SensorErrorKind.Busy, "address 0x61 on /dev/i2c-1 busy: a kernel driver owns the SCD30")]
    [InlineData(Errno.EREMOTEIO, SensorErrorKind.NotPresent, "no SCD30 answers at 0x61 on /dev/i2c-1: check wiring (SDA, SCL, 3V3, GND) and dtparam=i2c_arm_baudrate=50000")]
    [InlineData(Errno.ENXIO, SensorErrorKind.NotPresent, "no SCD30 answers at 0x61")]
    [InlineData(Errno.EIO, SensorErrorKind.BusError, "i2c_arm_baudrate=50000")]
    [InlineData(Errno.ETIMEDOUT, SensorErrorKind.Timeout, "did not complete the transfer in time")]
    [InlineData(Errno.EAGAIN, SensorErrorKind.Timeout, "did not complete the transfer in time")]
    public async Task ReadAsync_OpenFails_GivesKindErrnoAndActionableMessage(int errno, SensorErrorKind kind, string message)
    {
        using var rig = new Scd30Rig();
        rig.Chip.OpenErrno = errno;

        var error = (await rig.ReadAsync()).Error!;

        Assert.Equal(kind, error.Kind);
        Assert.Equal(errno, error.Errno);
        Assert.Contains(message, error.Message);
        Assert.Empty(rig.Chip.Log);
    }

    [Fact]
    public async Task ReadAsync_BusMissingThenEnabled_StartsOnTheNextRead()
    {
        using var rig = new Scd30Rig();
        rig.Chip.OpenErrno = Errno.ENOENT;
        Assert.NotNull((await rig.ReadAsync()).Error);

        rig.Chip.OpenErrno = 0;
        var result = await rig.ReadAsync();

        Assert.Null(result.Error);
        Assert.Equal(1, rig.Chip.OpenCount);
    }

    [Fact]
    public async Task ReadAsync_ErrnoDuringStartUp_ClosesAndRunsTheWholeStartUpOnTheNextRead()
    {
        using var rig = new Scd30Rig();
        rig.Chip.FailTransfer(3, Errno.EIO); // the interval read, after the firmware probe

        var failed = await rig.ReadAsync();
        var recovered = await rig.ReadAsync();

        Assert.Equal(SensorErrorKind.BusError, failed.Error!.Kind);
        Assert.Contains("reading the measurement interval", failed.Error.Message);
        Assert.Null(recovered.Error);
        Assert.Equal(2, rig.Chip.OpenCount);
        Assert.Equal(1, rig.Chip.CloseCount);
        Assert.Equal(2, rig.Chip.Commands().Count(c => c == 0xD100));
    }

    [Fact]
    public async Task Dispose_AfterStart_ClosesTheDeviceAndThePowerSwitchWithoutStoppingTheMeasurement()
    {
        var rig = new Scd30Rig();
        await rig.ReadAsync();

        rig.Sensor.Dispose();
        rig.Sensor.Dispose();

        Assert.Equal(1, rig.Chip.CloseCount);
        Assert.Equal(0, rig.Chip.StopCount);
        Assert.True(rig.Chip.Measuring);
        Assert.True(rig.Power!.Disposed);
    }

    [Fact]
    public async Task ReadAsync_AfterDispose_ReturnsAnErrorWithoutBusTraffic()
    {
        var rig = new Scd30Rig();
        rig.Sensor.Dispose();

        var result = await rig.ReadAsync();

        Assert.Equal(SensorErrorKind.NotPresent, result.Error!.Kind);
        Assert.Equal(0, rig.Chip.OpenCount);
    }

    [Fact]
    public async Task ForceRecalibrationAsync_InRange_WritesTheReferenceToTheChip()
    {
        using var rig = new Scd30Rig();
        await rig.ReadAsync();

        var error = await rig.Sensor.ForceRecalibrationAsync(420, CancellationToken.None);

        Assert.Null(error);
        Assert.Equal(420, rig.Chip.ForcedRecalibrationPpm);
        Assert.Empty(rig.Chip.ProtocolViolations());
    }

    [Fact]
    public async Task ForceRecalibrationAsync_BeforeFirstRead_StartsTheSensorFirst()
    {
        using var rig = new Scd30Rig();

        var error = await rig.Sensor.ForceRecalibrationAsync(2000, CancellationToken.None);

        Assert.Null(error);
        Assert.Equal(new Version(3, 66), rig.Sensor.FirmwareVersion);
        Assert.Equal(2000, rig.Chip.ForcedRecalibrationPpm);
    }

    [Theory]
    [InlineData(399)]
    [InlineData(2001)]
    [InlineData(0)]
    public async Task ForceRecalibrationAsync_OutsideFourHundredTo2000_IsRejectedWithoutBusTraffic(int ppm)
    {
        using var rig = new Scd30Rig();

        var error = await rig.Sensor.ForceRecalibrationAsync((ushort)ppm, CancellationToken.None);

        Assert.Equal(SensorErrorKind.OutOfRange, error!.Kind);
        Assert.Contains(ppm.ToString(), error.Message);
        Assert.Empty(rig.Chip.Log);
    }
}
