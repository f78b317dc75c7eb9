namespace FarmGateway.Drivers;

/// <summary>
/// What a driver read gave: a sample, or an error saying what went wrong. Drivers never throw
/// for expected failures; every read ends in one of these.
/// </summary>
public readonly record struct SensorResult
{
    private SensorResult(ClimateSample? sample, SensorError? error)
    {
        Sample = sample;
        Error = error;
    }

    public ClimateSample? Sample { get; }
    public SensorError? Error { get; }

    public static SensorResult Ok(ClimateSample sample) => new(sample, null);
    public static SensorResult Failed(SensorError error) => new(null, error);

    public static SensorResult Failed(SensorErrorKind kind, string message, int errno = 0) =>
        new(null, new SensorError(kind, message, errno));

    public override string ToString() => Error is { } e ? e.ToString() : $"ok {Sample}";
}

/// <summary>
/// Why a read gave no sample. <see cref="Message"/> is written for a technician: what failed and,
/// where there is one, what to do about it ("add the service user to the i2c group").
/// </summary>
/// <param name="Errno">The Linux errno behind it, 0 when the failure was not a system call.</param>
public sealed record SensorError(SensorErrorKind Kind, string Message, int Errno = 0)
{
    public override string ToString() => Errno == 0 ? $"{Kind}: {Message}" : $"{Kind}: {Message} (errno {Errno})";
}

/// <summary>The kinds of failure the gateway counts per sensor.</summary>
public enum SensorErrorKind
{
    /// <summary>The device, bus or address is not there (ENOENT, ENXIO, EREMOTEIO, no IIO device).</summary>
    NotPresent,

    /// <summary>The service user may not open it (EACCES, EPERM): group membership or the unit's DeviceAllow.</summary>
    PermissionDenied,

    /// <summary>Someone else owns it (EBUSY): typically a kernel driver bound to the I2C address.</summary>
    Busy,

    /// <summary>No full answer in time (ETIMEDOUT, EAGAIN, or data never became ready).</summary>
    Timeout,

    /// <summary>The answer arrived but its checksum is wrong (DHT22 EIO, a Sensirion CRC byte).</summary>
    ChecksumMismatch,

    /// <summary>The bus transfer failed (EIO on I2C, e.g. a clock-stretch timeout).</summary>
    BusError,

    /// <summary>The device answered something the protocol does not allow.</summary>
    ProtocolError,

    /// <summary>A value outside what the chip can measure, NaN, an implausible jump or a stuck value.</summary>
    OutOfRange,

    /// <summary>No new value yet (warm-up, first read dropped): not a fault, nothing to count against the sensor.</summary>
    NotReady,
}
