using FarmGateway.Drivers.Linux;
using FarmGateway.Drivers.Sensirion;

namespace FarmGateway.Drivers.Scd30;

/// <summary>
/// One SCD30 exchange at a time, with the chip's timing: a command is one write transfer; when
/// it answers, the answer is a separate read transfer at least <see cref="CommandToReadDelay"/>
/// later (the SCD30 has no repeated start, §1.1); after a command that changes state the next
/// command waits <see cref="AfterWriteDelay"/>. Every errno becomes a <see cref="SensorError"/>
/// via <see cref="Scd30Errors"/>; every word read has its CRC checked.
/// </summary>
internal sealed class Scd30Link(DriverClock clock, int address)
{
    /// <summary>§1.1.2 I2C Sequence: write and read are separate transfers and the chip needs time to prepare its answer; 10 ms per DRIVERS.md.</summary>
    public static readonly TimeSpan CommandToReadDelay = TimeSpan.FromMilliseconds(10);

    /// <summary>§1.4 Sensor commands: settings (and the measurement state) go to NVM; give the chip 20 ms before the next command (DRIVERS.md).</summary>
    public static readonly TimeSpan AfterWriteDelay = TimeSpan.FromMilliseconds(20);

    private II2cDevice? _device;
    private TimeSpan _quietUntil; // zero: clock.Now only grows, so the first command never waits

    public bool IsOpen => _device is not null;

    /// <summary>The bus device, for messages; set by <see cref="Open"/>.</summary>
    public string Path { get; private set; } = "/dev/i2c-?";

    public SensorError? Open(II2cBus bus, int busNumber)
    {
        Close();
        var result = bus.Open(busNumber, address);
        Path = string.IsNullOrEmpty(result.Path) ? $"/dev/i2c-{busNumber}" : result.Path;
        if (result.Device is null)
        {
            return Scd30Errors.FromErrno(result.Errno == 0 ? Errno.ENODEV : result.Errno, Path, address);
        }

        _device = result.Device;
        return null;
    }

    /// <summary>Closes the device; never throws.</summary>
    public void Close()
    {
        var device = Interlocked.Exchange(ref _device, null);
        try
        {
            device?.Dispose();
        }
        catch (Exception)
        {
            // Closing a file descriptor cannot be retried meaningfully; the next Open starts clean.
        }
    }

    /// <summary>Waits until at least <paramref name="delay"/> from now before the next command may go out.</summary>
    public void HoldOff(TimeSpan delay)
    {
        var until = clock.Now + delay;
        if (until > _quietUntil) _quietUntil = until;
    }

    /// <summary>Sends a command without argument that changes state (stop, soft reset).</summary>
    public ValueTask<SensorError?> SendAsync(ushort command, string during, CancellationToken ct) =>
        WriteAsync([(byte)(command >> 8), (byte)command], holdOff: true, during, ct);

    /// <summary>Sends a command with one argument word (a setting, start with pressure, forced recalibration).</summary>
    public ValueTask<SensorError?> SendAsync(ushort command, ushort argument, string during, CancellationToken ct)
    {
        var bytes = new byte[2 + SensirionCrc.WordWithCrcBytes];
        bytes[0] = (byte)(command >> 8);
        bytes[1] = (byte)command;
        SensirionCrc.WriteWord(bytes.AsSpan(2), argument);
        return WriteAsync(bytes, holdOff: true, during, ct);
    }

    /// <summary>Sends a command and reads its one-word answer, CRC checked.</summary>
    public async ValueTask<WordReply> ReadWordAsync(ushort command, string during, CancellationToken ct)
    {
        var buffer = new byte[SensirionCrc.WordWithCrcBytes];
        if (await ReadAsync(command, buffer, during, ct) is { } error) return new(0, error);
        return SensirionCrc.TryReadWord(buffer, out ushort word)
            ? new(word, null)
            : new(0, new SensorError(SensorErrorKind.ChecksumMismatch, $"CRC mismatch in the SCD30's answer while {during}"));
    }

    /// <summary>Sends a command, waits, then fills <paramref name="buffer"/> in a separate transfer; CRCs are the caller's.</summary>
    public async ValueTask<SensorError?> ReadAsync(ushort command, byte[] buffer, string during, CancellationToken ct)
    {
        if (await WriteAsync([(byte)(command >> 8), (byte)command], holdOff: false, during, ct) is { } error) return error;

        await clock.DelayAsync(CommandToReadDelay, ct);
        if (_device is not { } device) return Closed(during);
        int errno = device.Read(buffer);
        return errno == 0 ? null : Scd30Errors.FromErrno(errno, Path, address, during);
    }

    private async ValueTask<SensorError?> WriteAsync(byte[] bytes, bool holdOff, string during, CancellationToken ct)
    {
        var wait = _quietUntil - clock.Now;
        if (wait > TimeSpan.Zero) await clock.DelayAsync(wait, ct);
        ct.ThrowIfCancellationRequested();

        if (_device is not { } device) return Closed(during);
        int errno = device.Write(bytes);
        if (errno != 0) return Scd30Errors.FromErrno(errno, Path, address, during);
        if (holdOff) HoldOff(AfterWriteDelay);
        return null;
    }

    private SensorError Closed(string during) =>
        new(SensorErrorKind.NotPresent, $"the SCD30 device on {Path} was closed (while {during})");
}

/// <summary>A word the SCD30 answered with, or why there is none.</summary>
internal readonly record struct WordReply(ushort Value, SensorError? Error);
