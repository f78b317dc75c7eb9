using FarmGateway.Drivers.Linux;
using FarmGateway.Drivers.Tests.Testing;

namespace FarmGateway.Drivers.Tests.Scd30;

/// <summary>
/// An SCD30 behind <see cref="II2cBus"/> that speaks the real byte protocol: commands in, words
/// with CRC out, NVM settings kept and their writes counted, data ready after one measurement
/// interval of virtual time. Its CRC is computed independently of the driver's, so a wrong CRC
/// in the driver fails a test. Every transfer is logged with its virtual time, and
/// <see cref="ProtocolViolations"/> checks the log against the chip's timing rules.
/// </summary>
public sealed class Scd30Emulator : II2cBus, II2cDevice
{
    public const int Address = 0x61;
    public static readonly TimeSpan BootTime = TimeSpan.FromSeconds(2);

    private static readonly HashSet<ushort> ReadCommands = [0xD100, 0x4600, 0x0202, 0x0300, 0x5306, 0x5403, 0x5102, 0x5204];
    private static readonly HashSet<ushort> SettingCommands = [0x4600, 0x5306, 0x5403, 0x5102, 0x5204];

    private readonly VirtualClock _clock;
    private readonly int _bus;
    private readonly List<Scd30Transfer> _log = [];
    private readonly List<string> _violations = [];
    private readonly Dictionary<int, int> _failOnTransfer = [];
    private int _transfers;
    private int _claimedAddress = -1;
    private bool _open;
    private bool _stalled;
    private ushort? _pending;
    private TimeSpan _readyAt;
    private TimeSpan _bootUntil;
    private int _framesSinceStart;

    public Scd30Emulator(VirtualClock clock, int bus = 1)
    {
        _clock = clock;
        _bus = bus;
    }

    // --- NVM, as the chip would report it -------------------------------------------------------

    public ushort FirmwareVersion { get; set; } = 0x0342; // 3.66
    public ushort IntervalSeconds { get; set; } = 2;
    public bool AutoCalibration { get; set; }
    public ushort TemperatureOffsetCounts { get; set; }
    public ushort AltitudeMeters { get; set; }
    public ushort ForcedRecalibrationPpm { get; private set; }

    /// <summary>Writes of NVM settings (interval, self-calibration, offset, altitude, forced recalibration).</summary>
    public int NvmWrites { get; private set; }

    // --- State ----------------------------------------------------------------------------------

    public bool Powered { get; private set; } = true;
    public bool Measuring { get; set; }
    public ushort PressureMbar { get; private set; }
    public int OpenCount { get; private set; }
    public int CloseCount { get; private set; }
    public int StartCount { get; private set; }
    public int StopCount { get; private set; }
    public int SoftResetCount { get; private set; }
    public int FramesRead { get; private set; }

    public float Co2Ppm { get; set; } = 612.5f;
    public float TemperatureC { get; set; } = 21.3f;
    public float HumidityPercent { get; set; } = 55.2f;

    // --- Faults ---------------------------------------------------------------------------------

    /// <summary>Open fails with this errno (ENOENT, EACCES, EBUSY...); 0 = opens.</summary>
    public int OpenErrno { get; set; }

    /// <summary>Every transfer fails with this errno (EREMOTEIO = no answer); 0 = off.</summary>
    public int AlwaysErrno { get; set; }

    /// <summary>The first frame after each start reads 0 ppm, as real chips often do.</summary>
    public bool FirstFrameZero { get; set; }

    /// <summary>Every frame reads 0 ppm with good temperature and humidity: a dead CO2 channel.</summary>
    public bool Co2StuckAtZero { get; set; }

    /// <summary>The next N frames carry one wrong CRC byte (in word <see cref="BadCrcWord"/>).</summary>
    public int BadCrcFrames { get; set; }
    public int BadCrcWord { get; set; } = 2;

    /// <summary>Data ready never reports 1.</summary>
    public bool NeverReady { get; set; }

    /// <summary>After a soft reset the chip stops answering until it is power-cycled.</summary>
    public bool ResetStall { get; set; }

    /// <summary>After power-on the chip measures again (true on real chips that were measuring); false: comes up stopped.</summary>
    public bool MeasuresAfterPowerUp { get; set; }

    /// <summary>Called after every transfer is logged (e.g. to cancel a token mid-read).</summary>
    public Action<Scd30Transfer>? OnTransfer { get; set; }

    public IReadOnlyList<Scd30Transfer> Log => _log;

    /// <summary>The transfer that is the <paramref name="nth"/> from now (1 = the next) fails with <paramref name="errno"/>.</summary>
    public void FailTransfer(int nth, int errno) => _failOnTransfer[_transfers + nth] = errno;

    /// <summary>Switches the supply: off loses all volatile state and a stall; on boots for <see cref="BootTime"/>.</summary>
    public void SetPower(bool on)
    {
        if (on == Powered) return;
        Powered = on;
        _pending = null;
        if (on)
        {
            _stalled = false;
            _bootUntil = _clock.Now + BootTime;
            Measuring = MeasuresAfterPowerUp;
            _readyAt = _bootUntil + TimeSpan.FromSeconds(IntervalSeconds);
            _framesSinceStart = 0;
        }
        else
        {
            Measuring = false;
        }
    }

    // --- II2cBus / II2cDevice -------------------------------------------------------------------

    public I2cOpenResult Open(int bus, int address)
    {
        var path = $"/dev/i2c-{bus}";
        if (OpenErrno != 0) return new(null, OpenErrno, path);
        if (bus != _bus) return new(null, Errno.ENOENT, path);
        OpenCount++;
        _open = true;
        _claimedAddress = address;
        return new(this, 0, path);
    }

    public void Dispose()
    {
        if (_open) CloseCount++;
        _open = false;
    }

    public int Write(ReadOnlySpan<byte> data)
    {
        int errno = Begin();
        var transfer = Record(Scd30TransferKind.Write, data, errno);
        if (errno != 0)
        {
            _pending = null;
            return errno;
        }

        _pending = null;
        if (data.Length is not (2 or 5))
        {
            _violations.Add($"write of {data.Length} bytes at {transfer.At}: commands are 2 bytes, or 5 with one argument");
            return 0;
        }

        ushort command = (ushort)((data[0] << 8) | data[1]);
        if (data.Length == 2)
        {
            Execute(command);
            return 0;
        }

        if (IndependentCrc(data[2], data[3]) != data[4])
        {
            // The real chip ignores an argument with a wrong CRC.
            _violations.Add($"argument CRC 0x{data[4]:X2} for command 0x{command:X4} at {transfer.At} is wrong");
            return 0;
        }

        Execute(command, (ushort)((data[2] << 8) | data[3]));
        return 0;
    }

    public int Read(Span<byte> buffer)
    {
        int errno = Begin();
        var transfer = Record(Scd30TransferKind.Read, buffer[..0], errno);
        if (errno != 0)
        {
            _pending = null;
            return errno;
        }

        if (_pending is not { } command)
        {
            _violations.Add($"read at {transfer.At} without a preceding command write");
            return Errno.EREMOTEIO;
        }

        _pending = null;
        byte[] answer = Answer(command);
        if (answer.Length != buffer.Length)
        {
            _violations.Add($"read of {buffer.Length} bytes for 0x{command:X4} at {transfer.At}; the chip sends {answer.Length}");
        }

        buffer.Fill(0xFF);
        answer.AsSpan(0, Math.Min(answer.Length, buffer.Length)).CopyTo(buffer);
        transfer.Bytes = buffer.ToArray();
        return 0;
    }

    // --- Protocol checks ------------------------------------------------------------------------

    /// <summary>
    /// Everything the driver did that the chip forbids: reads without their command, reads
    /// sooner than 10 ms after the command, a command within 20 ms of a settings write, any
    /// transfer within 2 s of a soft reset, wrong argument CRCs, unknown commands.
    /// </summary>
    public IReadOnlyList<string> ProtocolViolations()
    {
        var found = new List<string>(_violations);
        for (int i = 1; i < _log.Count; i++)
        {
            var previous = _log[i - 1];
            var current = _log[i];
            if (current.Kind == Scd30TransferKind.Read && previous.Kind == Scd30TransferKind.Write
                && current.At - previous.At < TimeSpan.FromMilliseconds(10))
            {
                found.Add($"read at {current.At} only {(current.At - previous.At).TotalMilliseconds} ms after command 0x{previous.Command:X4}");
            }

            if (previous is { Kind: Scd30TransferKind.Write, Errno: 0, Bytes.Length: 5 } && SettingCommands.Contains(previous.Command ?? 0)
                && current.At - previous.At < TimeSpan.FromMilliseconds(20))
            {
                found.Add($"transfer at {current.At} only {(current.At - previous.At).TotalMilliseconds} ms after settings write 0x{previous.Command:X4}");
            }

            if (previous is { Kind: Scd30TransferKind.Write, Errno: 0, Command: 0xD304 } && current.At - previous.At < BootTime)
            {
                found.Add($"transfer at {current.At} only {(current.At - previous.At).TotalMilliseconds} ms after a soft reset");
            }
        }

        return found;
    }

    /// <summary>Command writes in the log, in order.</summary>
    public IReadOnlyList<ushort> Commands() =>
        [.. _log.Where(t => t.Kind == Scd30TransferKind.Write && t.Command is not null).Select(t => t.Command!.Value)];

    /// <summary>The chip's CRC-8, written differently from the driver's: polynomial division of the word, init folded in.</summary>
    public static byte IndependentCrc(byte high, byte low)
    {
        // CRC with init 0xFF over 16 bits == remainder of ((word ^ 0xFF00) * x^8) / (x^8 + x^5 + x^4 + 1).
        int remainder = (((high << 8) | low) ^ 0xFF00) << 8;
        for (int bit = 23; bit >= 8; bit--)
        {
            if ((remainder & (1 << bit)) != 0) remainder ^= 0x131 << (bit - 8);
        }

        return (byte)remainder;
    }

    public static byte[] Word(ushort value) => [(byte)(value >> 8), (byte)value, IndependentCrc((byte)(value >> 8), (byte)value)];

    /// <summary>An 18-byte measurement frame as the chip sends it.</summary>
    public static byte[] Frame(float co2Ppm, float temperatureC, float humidityPercent)
    {
        var frame = new List<byte>(18);
        foreach (float value in new[] { co2Ppm, temperatureC, humidityPercent })
        {
            uint bits = BitConverter.SingleToUInt32Bits(value);
            frame.AddRange(Word((ushort)(bits >> 16)));
            frame.AddRange(Word((ushort)bits));
        }

        return [.. frame];
    }

    // --- Internals ------------------------------------------------------------------------------

    private int Begin()
    {
        _transfers++;
        if (_failOnTransfer.Remove(_transfers, out int injected)) return injected;
        if (AlwaysErrno != 0) return AlwaysErrno;
        if (!_open) return 9; // EBADF: the driver used a closed device
        if (!Powered || _stalled || _claimedAddress != Address || _clock.Now < _bootUntil) return Errno.EREMOTEIO;
        return 0;
    }

    private Scd30Transfer Record(Scd30TransferKind kind, ReadOnlySpan<byte> bytes, int errno)
    {
        var transfer = new Scd30Transfer(kind, bytes.ToArray(), _clock.Now, errno);
        _log.Add(transfer);
        OnTransfer?.Invoke(transfer);
        return transfer;
    }

    private bool DataReady => Measuring && !NeverReady && _clock.Now >= _readyAt;

    private void Execute(ushort command)
    {
        if (ReadCommands.Contains(command))
        {
            _pending = command;
            return;
        }

        switch (command)
        {
            case 0x0104:
                StopCount++;
                Measuring = false;
                break;
            case 0xD304:
                SoftResetCount++;
                Measuring = false;
                _bootUntil = _clock.Now + BootTime;
                _stalled = ResetStall;
                break;
            default:
                _violations.Add($"command 0x{command:X4} at {_clock.Now} needs an argument or does not exist");
                break;
        }
    }

    private void Execute(ushort command, ushort argument)
    {
        switch (command)
        {
            case 0x0010:
                StartCount++;
                Measuring = true;
                PressureMbar = argument;
                _framesSinceStart = 0;
                _readyAt = _clock.Now + TimeSpan.FromSeconds(IntervalSeconds);
                return;
            case 0x4600:
                if (argument is >= 2 and <= 1800) IntervalSeconds = argument;
                else _violations.Add($"interval {argument} s out of range");
                break;
            case 0x5306:
                AutoCalibration = argument != 0;
                break;
            case 0x5403:
                TemperatureOffsetCounts = argument;
                break;
            case 0x5102:
                AltitudeMeters = argument;
                break;
            case 0x5204:
                ForcedRecalibrationPpm = argument;
                break;
            default:
                _violations.Add($"command 0x{command:X4} at {_clock.Now} takes no argument or does not exist");
                return;
        }

        NvmWrites++;
    }

    private byte[] Answer(ushort command) => command switch
    {
        0xD100 => Word(FirmwareVersion),
        0x4600 => Word(IntervalSeconds),
        0x5306 => Word(AutoCalibration ? (ushort)1 : (ushort)0),
        0x5403 => Word(TemperatureOffsetCounts),
        0x5102 => Word(AltitudeMeters),
        0x5204 => Word(ForcedRecalibrationPpm),
        0x0202 => Word(DataReady ? (ushort)1 : (ushort)0),
        _ => NextFrame(),
    };

    private byte[] NextFrame()
    {
        if (!DataReady) _violations.Add($"measurement read at {_clock.Now} while data was not ready");
        FramesRead++;
        _framesSinceStart++;
        _readyAt = _clock.Now + TimeSpan.FromSeconds(IntervalSeconds);

        bool zero = Co2StuckAtZero || (FirstFrameZero && _framesSinceStart == 1);
        var frame = Frame(zero ? 0f : Co2Ppm, TemperatureC, HumidityPercent);
        if (BadCrcFrames > 0)
        {
            BadCrcFrames--;
            frame[BadCrcWord * 3 + 2] ^= 0x01;
        }

        return frame;
    }
}

public enum Scd30TransferKind
{
    Write,
    Read,
}

/// <summary>One I2C transfer as the emulator saw it: a read's bytes are what it answered.</summary>
public sealed record Scd30Transfer(Scd30TransferKind Kind, byte[] Bytes, TimeSpan At, int Errno)
{
    public byte[] Bytes { get; set; } = Bytes;

    public ushort? Command => Kind == Scd30TransferKind.Write && Bytes.Length >= 2 ? (ushort)((Bytes[0] << 8) | Bytes[1]) : null;
}
