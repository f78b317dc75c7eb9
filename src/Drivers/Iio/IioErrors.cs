using FarmGateway.Drivers.Linux;

namespace FarmGateway.Drivers.Iio;

/// <summary>How an errno from an IIO sysfs attribute becomes a <see cref="SensorError"/>.</summary>
internal static class IioErrors
{
    /// <param name="ioErrorKind">
    /// What EIO means for this chip: a failed checksum for the dht11 driver, a failed bus
    /// transfer for I2C/SPI chips (bmp280, htu21, hdc100x).
    /// </param>
    public static SensorError FromErrno(int errno, string path, SensorErrorKind ioErrorKind)
    {
        var what = $"reading {path}: {Errno.Describe(errno)}";
        return errno switch
        {
            Errno.ENOENT or Errno.ENODEV or Errno.ENXIO =>
                new(SensorErrorKind.NotPresent, $"{what}: the device went away (driver unbound or overlay removed)", errno),
            Errno.EACCES or Errno.EPERM =>
                new(SensorErrorKind.PermissionDenied, $"{what}: the service user may not read it; check the file's mode and the unit's sandboxing (ProtectKernelTunables, InaccessiblePaths)", errno),
            Errno.EIO => new(ioErrorKind, what, errno),
            Errno.ETIMEDOUT or Errno.EAGAIN => new(SensorErrorKind.Timeout, what, errno),
            Errno.EBUSY => new(SensorErrorKind.Busy, what, errno),
            Errno.EREMOTEIO => new(SensorErrorKind.NotPresent, $"{what}: the chip did not answer", errno),
            _ => new(SensorErrorKind.BusError, what, errno),
        };
    }

    /// <summary>ENOENT/ENODEV/ENXIO: the device directory or the driver behind it is gone, so look it up again.</summary>
    public static bool MeansDeviceGone(SensorError error) =>
        error.Errno is Errno.ENOENT or Errno.ENODEV or Errno.ENXIO;
}
