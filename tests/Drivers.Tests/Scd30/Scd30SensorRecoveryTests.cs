using FarmGateway.Drivers.Linux;
using FarmGateway.Drivers.Scd30;

namespace FarmGateway.Drivers.Tests.Scd30;

public sealed class Scd30SensorRecoveryTests
{
    private static readonly Scd30RecoveryStep[] FullLadder =
    [
        Scd30RecoveryStep.None, Scd30RecoveryStep.None, Scd30RecoveryStep.RestartMeasurement,
        Scd30RecoveryStep.RestartMeasurement, Scd30RecoveryStep.RestartMeasurement, Scd30RecoveryStep.SoftReset,
        Scd30RecoveryStep.SoftReset, Scd30RecoveryStep.SoftReset, Scd30RecoveryStep.PowerCycle,
        Scd30RecoveryStep.PowerCycle, Scd30RecoveryStep.PowerCycle, Scd30RecoveryStep.Failed,
    ];

    private static async Task<List<Scd30RecoveryStep>> StepsAfterEachRead(Scd30Rig rig, int reads, List<SensorResult>? results = null)
    {
        var steps = new List<Scd30RecoveryStep>();
        for (int i = 0; i < reads; i++)
        {
            var result = await rig.ReadAsync();
            results?.Add(result);
            steps.Add(rig.Sensor.RecoveryStep);
        }

        return steps;
    }

    [Fact]
    public async Task ReadAsync_BusErrorsRepeat_ClimbsEveryStepInOrder()
    {
        using var rig = new Scd30Rig();
        rig.Chip.AlwaysErrno = Errno.EIO;
        var results = new List<SensorResult>();

        var steps = await StepsAfterEachRead(rig, 12, results);

        Assert.Equal(FullLadder, steps);
        Assert.All(results, r => Assert.Equal(SensorErrorKind.BusError, r.Error!.Kind));
        Assert.Contains("recovery step 1: restarted the measurement", results[2].Error!.Message);
        Assert.Contains("recovery step 2: soft reset", results[5].Error!.Message);
        Assert.Contains("recovery step 3: power cycle", results[8].Error!.Message);
        Assert.Contains("failed after the recovery ladder", results[11].Error!.Message);
        Assert.Equal(new[] { false, true }, rig.Power!.Switches.Select(s => s.On));
    }

    [Fact]
    public async Task ReadAsync_NeverReady_RestartsThenResetsThenPowerCyclesThenFails()
    {
        using var rig = new Scd30Rig();
        rig.Chip.NeverReady = true;
        var results = new List<SensorResult>();

        var steps = await StepsAfterEachRead(rig, 12, results);

        Assert.Equal(FullLadder, steps);
        Assert.Equal(SensorErrorKind.NotReady, results[0].Error!.Kind);
        Assert.Equal(SensorErrorKind.Timeout, results[2].Error!.Kind);
        Assert.Equal(1, rig.Chip.StopCount);
        Assert.Equal(1, rig.Chip.SoftResetCount);
        Assert.Equal(2, rig.Power!.Switches.Count);
        // First start, restart, after the reset, after the power cycle.
        Assert.Equal(4, rig.Chip.StartCount);
        Assert.Contains("done", results[2].Error!.Message);
        Assert.Empty(rig.Chip.ProtocolViolations());
    }

    [Fact]
    public async Task ReadAsync_RestartStep_StopsBeforeStarting()
    {
        using var rig = new Scd30Rig();
        await rig.ReadAsync();
        rig.Chip.NeverReady = true;
        await rig.ReadAsync(2);
        int before = rig.Chip.Log.Count;

        await rig.ReadAsync();

        var commands = rig.Chip.Log.Skip(before).Where(t => t.Kind == Scd30TransferKind.Write).Select(t => t.Command).ToList();
        int stop = commands.IndexOf(0x0104);
        Assert.True(stop >= 0);
        Assert.Equal((ushort?)0x0010, commands[stop + 1]);
    }

    [Fact]
    public async Task ReadAsync_GoodFrameAfterAStep_ResetsTheLadder()
    {
        using var rig = new Scd30Rig();
        rig.Chip.NeverReady = true;
        await rig.ReadAsync(3);
        Assert.Equal(Scd30RecoveryStep.RestartMeasurement, rig.Sensor.RecoveryStep);

        rig.Chip.NeverReady = false;
        var good = await rig.ReadAsync();
        var stepAfterGood = rig.Sensor.RecoveryStep;
        rig.Chip.NeverReady = true;
        var afterThreeMore = await StepsAfterEachRead(rig, 3);

        Assert.Null(good.Error);
        Assert.Equal(Scd30RecoveryStep.None, stepAfterGood);
        // The count starts again from zero: two failures stay at None, the third restarts (not a soft reset).
        Assert.Equal(new[] { Scd30RecoveryStep.None, Scd30RecoveryStep.None, Scd30RecoveryStep.RestartMeasurement }, afterThreeMore);
        Assert.Equal(0, rig.Chip.SoftResetCount);
    }

    [Fact]
    public async Task ReadAsync_ChipStallsAfterSoftReset_ComesBackByThePowerCycle()
    {
        using var rig = new Scd30Rig();
        rig.Chip.NeverReady = true;
        rig.Chip.ResetStall = true;
        var results = new List<SensorResult>();
        await StepsAfterEachRead(rig, 6, results);
        Assert.Equal(Scd30RecoveryStep.SoftReset, rig.Sensor.RecoveryStep);
        Assert.Contains("it failed too: no SCD30 answers", results[5].Error!.Message);
        rig.Chip.NeverReady = false;

        var stalled = await rig.ReadAsync(3);
        var back = await rig.ReadAsync();

        Assert.All(stalled, r => Assert.Equal(SensorErrorKind.NotPresent, r.Error!.Kind));
        Assert.Contains("recovery step 3: power cycle, done", stalled[2].Error!.Message);
        Assert.Null(back.Error);
        Assert.Equal(Scd30RecoveryStep.None, rig.Sensor.RecoveryStep);
        Assert.Empty(rig.Chip.ProtocolViolations());
    }

    [Fact]
    public async Task ReadAsync_SupplyWouldNotComeBackOn_TheNextReadSwitchesItOnAndReads()
    {
        using var rig = new Scd30Rig();
        rig.Chip.NeverReady = true;
        rig.Chip.ResetStall = true;
        await StepsAfterEachRead(rig, 6);
        rig.Chip.NeverReady = false;
        var refused = new SensorError(SensorErrorKind.BusError, "gpio 17 write failed", Errno.EIO);
        rig.Power!.OnSwitch = on =>
        {
            if (!on) rig.Power.FailNext(refused);
        };

        var stalled = await rig.ReadAsync(3);
        rig.Power.OnSwitch = null;
        var back = await rig.ReadAsync();

        Assert.Contains("power cycle, it failed too: gpio 17 write failed", stalled[2].Error!.Message);
        Assert.Equal(new[] { false, true }, rig.Power.Switches.Select(s => s.On));
        Assert.True(rig.Chip.Powered);
        Assert.Null(back.Error);
        Assert.Empty(rig.Chip.ProtocolViolations());
    }

    [Fact]
    public async Task ReadAsync_NoPowerSwitch_GoesFromSoftResetToFailed()
    {
        using var rig = new Scd30Rig(withPower: false);
        rig.Chip.NeverReady = true;
        var results = new List<SensorResult>();

        var steps = await StepsAfterEachRead(rig, 9, results);

        Assert.Equal(Scd30RecoveryStep.SoftReset, steps[5]);
        Assert.Equal(Scd30RecoveryStep.Failed, steps[8]);
        Assert.Contains("(restart measurement, soft reset)", results[8].Error!.Message);
    }

    [Fact]
    public async Task ReadAsync_PowerSwitchFails_ReportsItAndMovesOn()
    {
        using var rig = new Scd30Rig();
        rig.Chip.NeverReady = true;
        rig.Power!.FailWith = new SensorError(SensorErrorKind.BusError, "gpio 17 write failed", Errno.EIO);
        var results = new List<SensorResult>();

        var steps = await StepsAfterEachRead(rig, 12, results);

        Assert.Equal(FullLadder, steps);
        Assert.Contains("power cycle, it failed too: gpio 17 write failed", results[8].Error!.Message);
    }

    [Fact]
    public async Task ReadAsync_Failed_ReturnsAtOnceWithoutBusTraffic()
    {
        using var rig = new Scd30Rig();
        rig.Chip.AlwaysErrno = Errno.EREMOTEIO;
        await rig.ReadAsync(12);
        int transfers = rig.Chip.Log.Count;
        int opens = rig.Chip.OpenCount;

        var results = await rig.ReadAsync(5);

        Assert.All(results, r =>
        {
            Assert.Equal(SensorErrorKind.NotPresent, r.Error!.Kind);
            Assert.Equal(Errno.EREMOTEIO, r.Error.Errno);
            Assert.Contains("failed after the recovery ladder", r.Error.Message);
            Assert.Contains("check wiring", r.Error.Message);
        });
        Assert.Equal(transfers, rig.Chip.Log.Count);
        Assert.Equal(opens, rig.Chip.OpenCount);
    }

    [Fact]
    public async Task ReadAsync_Failed_RetriesTheStartUpOnlyEverySixtySeconds()
    {
        using var rig = new Scd30Rig();
        rig.Chip.AlwaysErrno = Errno.EREMOTEIO;
        await rig.ReadAsync(12);
        int opens = rig.Chip.OpenCount;

        rig.Clock.Advance(TimeSpan.FromSeconds(59));
        await rig.ReadAsync();
        Assert.Equal(opens, rig.Chip.OpenCount);

        rig.Clock.Advance(TimeSpan.FromSeconds(1));
        var retried = await rig.ReadAsync();
        Assert.Equal(opens + 1, rig.Chip.OpenCount);
        Assert.Equal(Scd30RecoveryStep.Failed, rig.Sensor.RecoveryStep);
        Assert.Contains("failed after the recovery ladder", retried.Error!.Message);

        rig.Clock.Advance(TimeSpan.FromSeconds(59));
        await rig.ReadAsync();
        Assert.Equal(opens + 1, rig.Chip.OpenCount);
    }

    [Fact]
    public async Task ReadAsync_FailedThenTheSensorComesBack_SamplesAndResetsTheLadder()
    {
        using var rig = new Scd30Rig();
        rig.Chip.AlwaysErrno = Errno.EREMOTEIO;
        await rig.ReadAsync(12);

        rig.Chip.AlwaysErrno = 0;
        rig.Clock.Advance(Scd30Sensor.FailedRetryPeriod);
        var result = await rig.ReadAsync();

        Assert.Null(result.Error);
        Assert.Equal(Scd30RecoveryStep.None, rig.Sensor.RecoveryStep);
    }

    [Fact]
    public async Task ReadAsync_FailedAndTheRetryStartsButDataNeverComes_StaysFailed()
    {
        using var rig = new Scd30Rig();
        rig.Chip.NeverReady = true;
        await rig.ReadAsync(12);

        rig.Clock.Advance(Scd30Sensor.FailedRetryPeriod);
        var retried = await rig.ReadAsync();
        int opens = rig.Chip.OpenCount;
        var next = await rig.ReadAsync();

        Assert.Equal(Scd30RecoveryStep.Failed, rig.Sensor.RecoveryStep);
        Assert.Contains("failed after the recovery ladder", retried.Error!.Message);
        Assert.Contains("failed after the recovery ladder", next.Error!.Message);
        Assert.Equal(opens, rig.Chip.OpenCount);
    }

    [Fact]
    public async Task ReadAsync_StuckZeroRepeats_ClimbsTheLadder()
    {
        using var rig = new Scd30Rig();
        rig.Chip.Co2StuckAtZero = true;

        // 1 dropped first frame, 2 watched zeros, then 3 hardware-fault reports make the first step.
        var steps = await StepsAfterEachRead(rig, 6);

        Assert.Equal(Scd30RecoveryStep.RestartMeasurement, steps[5]);
        Assert.Equal(Scd30RecoveryStep.None, steps[4]);
    }
}
