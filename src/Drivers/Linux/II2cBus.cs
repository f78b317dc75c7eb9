namespace FarmGateway.Drivers.Linux;

/// <summary>
/// Opens I2C devices the way user space does on Linux: <c>/dev/i2c-N</c> bound to one address.
/// Failures are errno values, never exceptions.
/// </summary>
public interface II2cBus
{
    /// <summary>Opens bus <paramref name="bus"/> and claims <paramref name="address"/> (I2C_SLAVE).</summary>
    /// <returns>The device, or the errno: ENOENT (no such bus), EACCES (permission), EBUSY (a kernel driver owns the address).</returns>
    I2cOpenResult Open(int bus, int address);
}

/// <summary>A device on the bus, or the errno that opening it gave.</summary>
public readonly record struct I2cOpenResult(II2cDevice? Device, int Errno, string Path);

/// <summary>
/// One claimed address. Each call is a separate transfer with its own START and STOP: there is
/// deliberately no combined write-read, because the SCD30 does not support a repeated start.
/// </summary>
public interface II2cDevice : IDisposable
{
    /// <summary>Writes <paramref name="data"/> in one transfer; 0 or the errno (EREMOTEIO/ENXIO: no answer, EIO: bus error, ETIMEDOUT).</summary>
    int Write(ReadOnlySpan<byte> data);

    /// <summary>Fills <paramref name="buffer"/> in one transfer; 0 or the errno. A short read is EIO.</summary>
    int Read(Span<byte> buffer);
}
