using FarmGateway.Drivers.Linux;
using FarmGateway.Drivers.Scd30;
using FarmGateway.Drivers.Tests.Testing;

namespace FarmGateway.Drivers.Tests.Scd30;

/// <summary>The chip's timing and transfer rules, checked on the emulator's transfer log.</summary>
public sealed class Scd30SensorTimingTests
{
    private static readonly HashSet<ushort> AnsweringCommands = [0xD100, 0x4600, 0x0202, 0x0300, 0x5306, 0x5403, 0x5102, 0x5204];

    /// <summary>Start-up with every setting written, a few samples, the whole ladder with a stall, and recovery.</summary>
    private static async Task<Scd30Rig> BusyRig()
    {
        var rig = new Scd30Rig(new Scd30Options
        {
            MeasurementInterval = TimeSpan.FromSeconds(5),
            AutoCalibration = true,
            TemperatureOffsetC = 1.25,
            AltitudeMeters = 120,
            AmbientPressureMbar = 990,
        });
        await rig.ReadAsync(3);
        await rig.Sensor.ForceRecalibrationAsync(450, CancellationToken.None);
        rig.Chip.NeverReady = true;
        rig.Chip.ResetStall = true;
        await rig.ReadAsync(6);
        rig.Chip.NeverReady = false;
        await rig.ReadAsync(5);
        Assert.Equal(1, rig.Chip.SoftResetCount);
        Assert.Equal(2, rig.Power!.Switches.Count);
        return rig;
    }

    [Fact]
    public async Task BusyScenario_EmulatorRules_AreNeverViolated()
    {
        using var rig = await BusyRig();
        Assert.Empty(rig.Chip.ProtocolViolations());
    }

    [Fact]
    public async Task BusyScenario_EveryRead_DirectlyFollowsAWriteOfItsCommandAtLeast10MsEarlier()
    {
        using var rig = await BusyRig();
        var log = rig.Chip.Log;

        for (int i = 0; i < log.Count; i++)
        {
            if (log[i].Kind != Scd30TransferKind.Read) continue;
            Assert.True(i > 0, "a read opens the log");
            var command = log[i - 1];
            Assert.Equal(Scd30TransferKind.Write, command.Kind);
            Assert.Equal(2, command.Bytes.Length);
            Assert.Contains(command.Command!.Value, AnsweringCommands);
            Assert.True(log[i].At - command.At >= TimeSpan.FromMilliseconds(10), $"read {i} only {(log[i].At - command.At).TotalMilliseconds} ms after its command");
        }
    }

    [Fact]
    public async Task BusyScenario_AfterEveryWriteWithAnArgument_NextCommandWaitsAtLeast20Ms()
    {
        using var rig = await BusyRig();
        var log = rig.Chip.Log;
        int settingsWrites = 0;

        for (int i = 0; i + 1 < log.Count; i++)
        {
            if (log[i] is not { Kind: Scd30TransferKind.Write, Errno: 0, Bytes.Length: 5 }) continue;
            settingsWrites++;
            Assert.True(log[i + 1].At - log[i].At >= TimeSpan.FromMilliseconds(20), $"transfer {i + 1} follows a settings write after {(log[i + 1].At - log[i].At).TotalMilliseconds} ms");
        }

        Assert.True(settingsWrites >= 5, $"only {settingsWrites} writes with an argument in the scenario");
    }

    [Fact]
    public async Task BusyScenario_AfterSoftReset_NextTransferWaitsTwoSeconds()
    {
        using var rig = await BusyRig();
        var log = rig.Chip.Log;

        int reset = log.ToList().FindIndex(t => t.Command == 0xD304);
        Assert.True(reset >= 0);
        Assert.True(log[reset + 1].At - log[reset].At >= TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task BusyScenario_PowerCycle_StaysOffOneSecondAndBootsTwoSeconds()
    {
        using var rig = await BusyRig();
        var (off, on) = (rig.Power!.Switches[0], rig.Power.Switches[1]);

        Assert.False(off.On);
        Assert.True(on.On);
        Assert.True(on.At - off.At >= TimeSpan.FromSeconds(1));
        var firstAfterBoot = rig.Chip.Log.First(t => t.At >= on.At);
        Assert.True(firstAfterBoot.At - on.At >= TimeSpan.FromSeconds(2));
        Assert.Equal(0, firstAfterBoot.Errno);
    }

    [Fact]
    public async Task ReadAsync_SettingsWrite_WaitsTenMsBeforeEachAnswerAndTwentyMsAfterTheWrite()
    {
        using var rig = new Scd30Rig(Scd30Rig.Defaults with { TemperatureOffsetC = 1 });

        await rig.ReadAsync();

        Assert.Contains(TimeSpan.FromMilliseconds(10), rig.Clock.Delays);
        Assert.Contains(TimeSpan.FromMilliseconds(20), rig.Clock.Delays);
        Assert.Equal(1, rig.Chip.NvmWrites);
    }

    [Fact]
    public void Emulator_ReadWithoutCommandOrTooSoon_IsReportedAsViolation()
    {
        var clock = new VirtualClock();
        var chip = new Scd30Emulator(clock);
        var device = chip.Open(1, Scd30Emulator.Address).Device!;
        var buffer = new byte[3];

        device.Read(buffer);
        device.Write([0xD1, 0x00]);
        clock.Advance(TimeSpan.FromMilliseconds(5));
        device.Read(buffer);
        device.Write([0x54, 0x03, 0x00, 0x01, 0x00]);
        clock.Advance(TimeSpan.FromMilliseconds(10));
        device.Write([0x54, 0x03, 0x00, 0x01, Scd30Emulator.IndependentCrc(0x00, 0x01)]);
        clock.Advance(TimeSpan.FromMilliseconds(10));
        device.Write([0xD1, 0x00]);

        var violations = chip.ProtocolViolations();
        Assert.Contains(violations, v => v.Contains("without a preceding command"));
        Assert.Contains(violations, v => v.Contains("only 5 ms after command"));
        Assert.Contains(violations, v => v.Contains("argument CRC"));
        Assert.Contains(violations, v => v.Contains("after settings write"));
    }

    [Fact]
    public async Task ReadAsync_AlreadyCancelled_ThrowsWithoutBusTraffic()
    {
        using var rig = new Scd30Rig();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rig.Sensor.ReadAsync(new CancellationToken(true)).AsTask());

        Assert.Empty(rig.Chip.Log);
    }

    [Fact]
    public async Task ReadAsync_CancelledWhilePolling_ThrowsBeforeTheNextTransfer()
    {
        using var rig = new Scd30Rig();
        rig.Chip.NeverReady = true;
        using var cts = new CancellationTokenSource();
        int polls = 0, transfersAtCancel = -1;
        rig.Chip.OnTransfer = t =>
        {
            if (t.Command == 0x0202 && ++polls == 5)
            {
                cts.Cancel();
                transfersAtCancel = rig.Chip.Log.Count;
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rig.Sensor.ReadAsync(cts.Token).AsTask());

        Assert.Equal(transfersAtCancel, rig.Chip.Log.Count);
        Assert.Equal(Scd30RecoveryStep.None, rig.Sensor.RecoveryStep);
    }

    [Fact]
    public async Task ReadAsync_CancelledDuringStartUp_RunsTheWholeStartUpOnTheNextRead()
    {
        using var rig = new Scd30Rig(Scd30Rig.Defaults with { TemperatureOffsetC = 2 });
        using var cts = new CancellationTokenSource();
        rig.Chip.OnTransfer = t =>
        {
            if (t.Command == 0x5403 && t.Bytes.Length == 5) cts.Cancel();
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rig.Sensor.ReadAsync(cts.Token).AsTask());
        rig.Chip.OnTransfer = null;

        var result = await rig.ReadAsync();

        Assert.Null(result.Error);
        Assert.Equal(2, rig.Chip.Commands().Count(c => c == 0xD100));
        Assert.Equal(1, rig.Chip.NvmWrites);
        Assert.Equal(1, rig.Chip.StartCount);
    }

    [Fact]
    public async Task ReadAsync_CancelledWhilePoweredOff_SwitchesThePowerBackOn()
    {
        using var rig = new Scd30Rig();
        rig.Chip.NeverReady = true;
        await rig.ReadAsync(8);
        using var cts = new CancellationTokenSource();
        rig.Power!.OnSwitch = on =>
        {
            if (!on) cts.Cancel();
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rig.Sensor.ReadAsync(cts.Token).AsTask());

        Assert.Equal(new[] { false, true }, rig.Power.Switches.Select(s => s.On));
        Assert.True(rig.Chip.Powered);
    }

    [Fact]
    public async Task ForceRecalibrationAsync_Cancelled_Throws()
    {
        using var rig = new Scd30Rig();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => rig.Sensor.ForceRecalibrationAsync(450, new CancellationToken(true)).AsTask());
        Assert.Empty(rig.Chip.Log);
    }

    [Fact]
    public async Task ReadAsync_AfterACancelledRead_Works()
    {
        using var rig = new Scd30Rig();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rig.Sensor.ReadAsync(new CancellationToken(true)).AsTask());

        var result = await rig.ReadAsync();

        // The cancelled call released the gate: this read neither hangs nor fails.
        Assert.Null(result.Error);
    }
}
