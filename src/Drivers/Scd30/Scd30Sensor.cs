// The SCD30 driver: lazy start-up, one measurement per read, and a recovery ladder.
//
// Invariants (see README.md):
// - Every exchange goes through Scd30Link: command write, >= 10 ms, separate read; >= 20 ms
//   after any command that changes state. Every word read is CRC-checked before use.
// - NVM settings are written only when the chip reports a different value; start is always sent.
// - A transfer errno closes the device; the next read opens it and runs the start-up again.
// - FailuresPerStep counted failures in a row climb one ladder step; a good frame resets it.
//   Dropped frames (first 0 ppm, short 0 ppm runs) count neither way.
// - Nothing but OperationCanceledException leaves ReadAsync; Dispose never throws and never
//   stops the measurement (the chip keeps measuring and keeps its settings).

using FarmGateway.Drivers.Linux;

namespace FarmGateway.Drivers.Scd30;

/// <summary>
/// Sensirion SCD30 CO2, temperature and humidity sensor on a Linux I2C bus. One reader at a
/// time (calls are serialised); a read waits for the chip's next measurement, up to the
/// measurement interval plus a margin.
/// </summary>
public sealed class Scd30Sensor : IClimateSensor
{
    /// <summary>Failed reads in a row before the next recovery step is taken.</summary>
    public const int FailuresPerStep = 3;

    /// <summary>Frames of exactly 0 ppm in a row (not counting a dropped first frame) that make a hardware fault.</summary>
    public const int StuckZeroFrames = 3;

    /// <summary>§1.4 Soft reset and §1.1 (boot-up time &lt; 2 s): the chip does not answer before this.</summary>
    public static readonly TimeSpan SoftResetDelay = TimeSpan.FromSeconds(2);

    /// <summary>Supply off long enough for the module's capacitors to drain, so the power cycle is a real reset.</summary>
    public static readonly TimeSpan PowerOffTime = TimeSpan.FromSeconds(1);

    /// <summary>§1.1 I2C Protocol: boot-up time &lt; 2 s after power-on.</summary>
    public static readonly TimeSpan BootTime = TimeSpan.FromSeconds(2);

    /// <summary>How often data-ready is asked while waiting; a 3-byte exchange, nothing for a 50 kHz bus.</summary>
    public static readonly TimeSpan DataReadyPollPeriod = TimeSpan.FromMilliseconds(100);

    /// <summary>In the failed state, how often the start-up is tried again; reads in between fail at once without bus traffic.</summary>
    public static readonly TimeSpan FailedRetryPeriod = TimeSpan.FromSeconds(60);

    private readonly II2cBus _bus;
    private readonly Scd30Options _options;
    private readonly DriverClock _clock;
    private readonly IPowerSwitch? _power;
    private readonly Scd30Link _link;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private volatile bool _disposed;
    private volatile Version? _firmwareVersion;
    private volatile Scd30RecoveryStep _recoveryStep;
    private bool _started;
    private bool _poweredOff;
    private int _failures;
    private int _framesSinceStart;
    private int _zeroRun;
    private SensorError? _failedCause;
    private TimeSpan _nextRetryAt;

    /// <param name="bus">Opens <c>/dev/i2c-N</c>; the sensor owns the device it opens, not the bus.</param>
    /// <param name="options">Validated here; invalid options throw <see cref="ArgumentException"/> quoting every bad value.</param>
    /// <param name="clock">All waits and time; tests pass a virtual clock.</param>
    /// <param name="power">Optional supply switch for the power-cycle step; owned by the sensor, disposed with it.</param>
    public Scd30Sensor(II2cBus bus, Scd30Options options, DriverClock clock, IPowerSwitch? power = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException($"invalid SCD30 options: {string.Join("; ", errors)}", nameof(options));

        _bus = bus;
        _options = options;
        _clock = clock;
        _power = power;
        _link = new Scd30Link(clock, options.Address);
    }

    public string Model => "SCD30";

    /// <summary>The chip's firmware version (major.minor), null until a start-up has probed it.</summary>
    public Version? FirmwareVersion => _firmwareVersion;

    /// <summary>The last recovery step taken since the last good frame, for health reporting.</summary>
    public Scd30RecoveryStep RecoveryStep => _recoveryStep;

    public async ValueTask<SensorResult> ReadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_disposed) return SensorResult.Failed(Disposed());
            if (_poweredOff && await PowerOnAsync(cancellationToken).ConfigureAwait(false) is { } powerError)
                return SensorResult.Failed(powerError);
            if (_recoveryStep == Scd30RecoveryStep.Failed && !_started && _clock.Now < _nextRetryAt)
            {
                return SensorResult.Failed(FailedError());
            }

            var attempt = await AttemptAsync(cancellationToken).ConfigureAwait(false);
            return await SettleAsync(attempt, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return SensorResult.Failed(Unexpected(ex));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Tells the chip the CO2 concentration it is in now (400..2000 ppm, §1.4 Forced recalibration), e.g. outdoor air.
    /// Only meaningful after at least 2 minutes of continuous measurement in that air. Stored in
    /// the chip's NVM. Null on success, otherwise why it failed; throws only when cancelled.
    /// </summary>
    public async ValueTask<SensorError?> ForceRecalibrationAsync(ushort ppm, CancellationToken ct)
    {
        if (ppm is < 400 or > 2000)
        {
            return new SensorError(SensorErrorKind.OutOfRange, $"forced recalibration reference {ppm} ppm is outside 400..2000 ppm");
        }

        ct.ThrowIfCancellationRequested();
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_disposed) return Disposed();
            if (!_started && await StartUpAsync(ct).ConfigureAwait(false) is { } startError) return startError;

            var error = await _link.SendAsync(Scd30Command.ForcedRecalibration, ppm, "writing the forced recalibration reference", ct)
                .ConfigureAwait(false);
            CloseOnErrno(error);
            return error;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Unexpected(ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Closes the device. Does not stop the measurement: the chip keeps its state for the next start. Never throws.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _link.Close();
        try
        {
            _power?.Dispose();
        }
        catch (Exception)
        {
            // Dispose never throws; there is nobody left to tell.
        }
    }

    private async ValueTask<Attempt> AttemptAsync(CancellationToken ct)
    {
        if (!_started && await StartUpAsync(ct).ConfigureAwait(false) is { } startError) return Attempt.Failed(startError);

        // The chip's clock and ours drift a little apart: allow a margin past one interval.
        var interval = _options.MeasurementInterval;
        var margin = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(2).Ticks, interval.Ticks / 10));
        var deadline = _clock.Now + interval + margin;
        while (true)
        {
            var ready = await _link.ReadWordAsync(Scd30Command.GetDataReady, "polling data ready", ct).ConfigureAwait(false);
            if (ready.Error is { } readyError) return FailedTransfer(readyError);
            if (ready.Value == 1) break;
            if (ready.Value != 0)
            {
                return Attempt.Failed(new SensorError(SensorErrorKind.ProtocolError, $"SCD30 data ready status is {ready.Value}, expected 0 or 1"));
            }

            if (_clock.Now + DataReadyPollPeriod > deadline)
            {
                return new Attempt(SensorResult.Failed(SensorErrorKind.NotReady,
                    $"no new SCD30 measurement within {(interval + margin).TotalSeconds:0.#} s (interval {interval.TotalSeconds:0} s)"), Outcome.NoData);
            }

            await _clock.DelayAsync(DataReadyPollPeriod, ct).ConfigureAwait(false);
        }

        var frame = new byte[Scd30Frame.LengthBytes];
        if (await _link.ReadAsync(Scd30Command.ReadMeasurement, frame, "reading the measurement", ct).ConfigureAwait(false) is { } readError)
        {
            return FailedTransfer(readError);
        }

        _framesSinceStart++;
        var decoded = Scd30Frame.Decode(frame);
        if (decoded.Error is { } decodeError) return Attempt.Failed(decodeError);
        return CheckZeroCo2(decoded);
    }

    // Temperature and humidity passed the range checks, so a 0 ppm here is the CO2 channel alone.
    private Attempt CheckZeroCo2(SensorResult decoded)
    {
        if (decoded.Sample?.Co2Ppm != 0)
        {
            _zeroRun = 0;
            return new Attempt(decoded, Outcome.Good);
        }

        if (_framesSinceStart == 1 && _zeroRun == 0)
        {
            return new Attempt(SensorResult.Failed(SensorErrorKind.NotReady,
                "first SCD30 frame after start reads 0 ppm CO2 (the CO2 channel is still settling): dropped"), Outcome.Dropped);
        }

        _zeroRun++;
        if (_zeroRun < StuckZeroFrames)
        {
            return new Attempt(SensorResult.Failed(SensorErrorKind.NotReady,
                $"SCD30 reads 0 ppm CO2 ({_zeroRun} frame(s) in a row): dropped while watching for a stuck CO2 channel"), Outcome.Dropped);
        }

        return Attempt.Failed(new SensorError(SensorErrorKind.OutOfRange,
            $"SCD30 CO2 stuck at 0 ppm for {_zeroRun} frames in a row while temperature and humidity are good: " +
            "hardware fault in the CO2 channel (power-cycle the sensor; replace it if it persists)"));
    }

    private async ValueTask<SensorResult> SettleAsync(Attempt attempt, CancellationToken ct)
    {
        switch (attempt.Outcome)
        {
            case Outcome.Good:
                _failures = 0;
                _failedCause = null;
                _recoveryStep = Scd30RecoveryStep.None;
                return attempt.Result;
            case Outcome.Dropped:
                return attempt.Result;
        }

        var error = attempt.Result.Error!;
        if (_recoveryStep == Scd30RecoveryStep.Failed)
        {
            // The slow retry did not bring it back: wait another period.
            EnterFailed(error);
            return SensorResult.Failed(FailedError());
        }

        if (++_failures < FailuresPerStep) return attempt.Result;

        _failures = 0;
        var cause = attempt.Outcome == Outcome.NoData
            ? new SensorError(SensorErrorKind.Timeout, $"no new SCD30 measurement in {FailuresPerStep} reads in a row ({error.Message})")
            : error;
        return SensorResult.Failed(await EscalateAsync(cause, ct).ConfigureAwait(false));
    }

    private async ValueTask<SensorError> EscalateAsync(SensorError cause, CancellationToken ct)
    {
        var next = _recoveryStep switch
        {
            Scd30RecoveryStep.None => Scd30RecoveryStep.RestartMeasurement,
            Scd30RecoveryStep.RestartMeasurement => Scd30RecoveryStep.SoftReset,
            Scd30RecoveryStep.SoftReset when _power is not null => Scd30RecoveryStep.PowerCycle,
            _ => Scd30RecoveryStep.Failed,
        };
        _recoveryStep = next;

        string action;
        SensorError? stepError;
        switch (next)
        {
            case Scd30RecoveryStep.RestartMeasurement:
                action = "restarted the measurement";
                stepError = await RestartMeasurementAsync(ct).ConfigureAwait(false);
                break;
            case Scd30RecoveryStep.SoftReset:
                action = "soft reset";
                stepError = await SoftResetAsync(ct).ConfigureAwait(false);
                break;
            case Scd30RecoveryStep.PowerCycle:
                action = "power cycle";
                stepError = await PowerCycleAsync(ct).ConfigureAwait(false);
                break;
            default:
                EnterFailed(cause);
                return FailedError();
        }

        string result = stepError is null ? "done" : $"it failed too: {stepError.Message}";
        return cause with { Message = $"{cause.Message}; recovery step {(int)next}: {action}, {result}" };
    }

    private async ValueTask<SensorError?> RestartMeasurementAsync(CancellationToken ct)
    {
        if (!_link.IsOpen && _link.Open(_bus, _options.Bus) is { } openError) return openError;

        var stop = await _link.SendAsync(Scd30Command.StopContinuousMeasurement, "stopping the measurement", ct).ConfigureAwait(false);
        if (stop is not null)
        {
            CloseOnErrno(stop);
            _started = false;
            return stop;
        }

        // A chip that never finished its start-up gets the whole sequence, which ends in start.
        if (!_started) return await StartUpAsync(ct).ConfigureAwait(false);

        var start = await StartMeasurementAsync(ct).ConfigureAwait(false);
        if (start is not null)
        {
            CloseOnErrno(start);
            _started = false;
        }

        return start;
    }

    private async ValueTask<SensorError?> SoftResetAsync(CancellationToken ct)
    {
        _started = false;
        if (!_link.IsOpen && _link.Open(_bus, _options.Bus) is { } openError) return openError;

        var reset = await _link.SendAsync(Scd30Command.SoftReset, "sending a soft reset", ct).ConfigureAwait(false);
        if (reset is not null)
        {
            CloseOnErrno(reset);
            return reset;
        }

        await _clock.DelayAsync(SoftResetDelay, ct).ConfigureAwait(false);
        return await StartUpAsync(ct).ConfigureAwait(false);
    }

    private async ValueTask<SensorError?> PowerCycleAsync(CancellationToken ct)
    {
        _started = false;
        _link.Close();
        if (SetPower(false) is { } offError) return offError;

        try
        {
            await _clock.DelayAsync(PowerOffTime, ct).ConfigureAwait(false);
        }
        finally
        {
            // Cancelled while off: never leave the sensor unpowered.
            if (ct.IsCancellationRequested) SetPower(true);
        }
        return await PowerOnAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Supply on, then the boot time and the start-up. A supply left off by a failed switch is retried by every read.</summary>
    private async ValueTask<SensorError?> PowerOnAsync(CancellationToken ct)
    {
        if (SetPower(true) is { } onError) return onError;
        await _clock.DelayAsync(BootTime, ct).ConfigureAwait(false);
        return await StartUpAsync(ct).ConfigureAwait(false);
    }

    private SensorError? SetPower(bool on)
    {
        try
        {
            var error = _power!.SetPower(on);
            if (error is null) _poweredOff = !on;
            return error;
        }
        catch (Exception ex)
        {
            return new SensorError(SensorErrorKind.BusError, $"switching the SCD30 supply {(on ? "on" : "off")} failed: {ex.Message}");
        }
    }

    /// <summary>Open if needed -> probe firmware -> settings only where they differ -> start. An errno on the way closes the device.</summary>
    private async ValueTask<SensorError?> StartUpAsync(CancellationToken ct)
    {
        _started = false;
        if (!_link.IsOpen && _link.Open(_bus, _options.Bus) is { } openError) return openError;

        var error = await StartUpOnOpenDeviceAsync(ct).ConfigureAwait(false);
        CloseOnErrno(error);
        _started = error is null;
        return error;
    }

    private async ValueTask<SensorError?> StartUpOnOpenDeviceAsync(CancellationToken ct)
    {
        var version = await _link.ReadWordAsync(Scd30Command.ReadFirmwareVersion, "reading the firmware version", ct).ConfigureAwait(false);
        if (version.Error is { } versionError) return versionError;
        _firmwareVersion = new Version(version.Value >> 8, version.Value & 0xFF);

        if (await EnsureSettingAsync(Scd30Command.MeasurementInterval, _options.IntervalSeconds, "measurement interval", ct)
                .ConfigureAwait(false) is { } intervalError) return intervalError;

        if (_options.AutoCalibration is { } asc
            && await EnsureSettingAsync(Scd30Command.AutomaticSelfCalibration, asc ? (ushort)1 : (ushort)0, "automatic self-calibration", ct)
                .ConfigureAwait(false) is { } ascError) return ascError;

        if (await EnsureSettingAsync(Scd30Command.TemperatureOffset, _options.TemperatureOffsetCounts, "temperature offset", ct)
                .ConfigureAwait(false) is { } offsetError) return offsetError;

        if (_options.AltitudeMeters is { } altitude
            && await EnsureSettingAsync(Scd30Command.AltitudeCompensation, altitude, "altitude", ct)
                .ConfigureAwait(false) is { } altitudeError) return altitudeError;

        // Always: a chip can come up stopped (power loss during stop, a previous owner).
        return await StartMeasurementAsync(ct).ConfigureAwait(false);
    }

    // Each NVM write wears the flash: write only what differs from what the chip reports.
    private async ValueTask<SensorError?> EnsureSettingAsync(ushort command, ushort wanted, string name, CancellationToken ct)
    {
        var current = await _link.ReadWordAsync(command, $"reading the {name}", ct).ConfigureAwait(false);
        if (current.Error is { } error) return error;
        if (current.Value == wanted) return null;
        return await _link.SendAsync(command, wanted, $"writing the {name}", ct).ConfigureAwait(false);
    }

    private async ValueTask<SensorError?> StartMeasurementAsync(CancellationToken ct)
    {
        var error = await _link.SendAsync(Scd30Command.StartContinuousMeasurement, _options.AmbientPressureMbar ?? 0,
            "starting continuous measurement", ct).ConfigureAwait(false);
        if (error is null) _framesSinceStart = 0;
        return error;
    }

    private Attempt FailedTransfer(SensorError error)
    {
        CloseOnErrno(error);
        return Attempt.Failed(error);
    }

    // A transfer errno means the link is in doubt: close it so the next read starts from open.
    private void CloseOnErrno(SensorError? error)
    {
        if (error is not { Errno: not 0 }) return;
        _link.Close();
        _started = false;
    }

    private void EnterFailed(SensorError cause)
    {
        _recoveryStep = Scd30RecoveryStep.Failed;
        _failedCause = cause;
        _failures = 0;
        _nextRetryAt = _clock.Now + FailedRetryPeriod;
        _link.Close();
        _started = false;
    }

    private SensorError FailedError()
    {
        var cause = _failedCause ?? new SensorError(SensorErrorKind.NotPresent, "unknown");
        string ladder = _power is null ? "restart measurement, soft reset" : "restart measurement, soft reset, power cycle";
        return cause with
        {
            Message = $"SCD30 failed after the recovery ladder ({ladder}); start-up is retried every " +
                $"{FailedRetryPeriod.TotalSeconds:0} s; last error: {cause.Message}",
        };
    }

    private SensorError Unexpected(Exception ex)
    {
        _link.Close();
        _started = false;
        return new SensorError(SensorErrorKind.ProtocolError, $"unexpected failure in the SCD30 driver: {ex.GetType().Name}: {ex.Message}");
    }

    private static SensorError Disposed() => new(SensorErrorKind.NotPresent, "the SCD30 driver was disposed");

    private enum Outcome
    {
        /// <summary>A sample: resets the ladder.</summary>
        Good,
        /// <summary>Not a sample, not a fault (first 0 ppm frame): counts neither way.</summary>
        Dropped,
        /// <summary>Data never became ready within this read: counts towards the ladder.</summary>
        NoData,
        /// <summary>Any other error: counts towards the ladder.</summary>
        Failed,
    }

    private readonly record struct Attempt(SensorResult Result, Outcome Outcome)
    {
        public static Attempt Failed(SensorError error) => new(SensorResult.Failed(error), Outcome.Failed);
    }
}
