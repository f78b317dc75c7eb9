using FarmGateway.Drivers.Linux;

namespace FarmGateway.Drivers.Scd30;

/// <summary>
/// The one place that turns an errno from opening or talking to the SCD30 into a
/// <see cref="SensorError"/> whose message tells the technician what to do.
/// </summary>
public static class Scd30Errors
{
    /// <param name="errno">From <see cref="II2cBus.Open"/>, <see cref="II2cDevice.Write"/> or <see cref="II2cDevice.Read"/>.</param>
    /// <param name="path">The bus device, e.g. <c>/dev/i2c-1</c>.</param>
    /// <param name="address">The 7-bit address, e.g. 0x61.</param>
    /// <param name="during">What the driver was doing, e.g. "reading the firmware version"; null for open.</param>
    public static SensorError FromErrno(int errno, string path, int address, string? during = null)
    {
        string at = $"0x{address:X2}";
        (SensorErrorKind kind, string message) = errno switch
        {
            Errno.ENOENT => (SensorErrorKind.NotPresent,
                $"{path} not found: enable I2C with raspi-config or dtparam=i2c_arm=on in /boot/firmware/config.txt"),
            Errno.EACCES or Errno.EPERM => (SensorErrorKind.PermissionDenied,
                $"permission denied on {path}: add the service user to the i2c group"),
            Errno.EBUSY => (SensorErrorKind.Busy,
                $"address {at} on {path} busy: a kernel driver owns the SCD30 (remove its dtoverlay=... line from /boot/firmware/config.txt / unbind it)"),
            // EREMOTEIO: nobody ACKed on the Pi's controller; ENXIO: the same on i2c-gpio;
            // ENODEV: the adapter itself went away (USB bridge unplugged).
            Errno.EREMOTEIO or Errno.ENXIO or Errno.ENODEV => (SensorErrorKind.NotPresent,
                $"no SCD30 answers at {at} on {path}: check wiring (SDA, SCL, 3V3, GND) and dtparam=i2c_arm_baudrate=50000"),
            // On the Pi's controller EIO is typically a clock stretch longer than it tolerates (§1.1: up to 150 ms).
            Errno.EIO => (SensorErrorKind.BusError,
                $"I2C bus error with the SCD30 at {at} on {path} (often clock stretching): set dtparam=i2c_arm_baudrate=50000 and check wiring"),
            Errno.ETIMEDOUT or Errno.EAGAIN => (SensorErrorKind.Timeout,
                $"the SCD30 at {at} on {path} did not complete the transfer in time: check wiring and dtparam=i2c_arm_baudrate=50000"),
            _ => (SensorErrorKind.BusError,
                $"I2C transfer with the SCD30 at {at} on {path} failed: {Describe(errno)}"),
        };

        return new SensorError(kind, during is null ? message : $"{message} (while {during})", errno);
    }

    private static string Describe(int errno)
    {
        try
        {
            return Errno.Describe(errno);
        }
        catch (Exception)
        {
            // A message for a message: never let the text lookup turn a failure value into a throw.
            return $"errno {errno}";
        }
    }
}
