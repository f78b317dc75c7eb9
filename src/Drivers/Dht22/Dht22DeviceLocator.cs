using System.Buffers.Binary;
using System.Globalization;
using FarmGateway.Drivers.Iio;
using FarmGateway.Drivers.Linux;

namespace FarmGateway.Drivers.Dht22;

/// <summary>
/// Finds the dht11 IIO device of one sensor. The driver names the IIO device after its platform
/// device, which is the device-tree node: "dht11@&lt;unit address&gt;", and the Raspberry Pi
/// dht11 overlay's gpiopin parameter sets that unit address to the GPIO number in hex
/// (gpiopin=17 gives dht11@11). The node's `gpios` property (big-endian u32 cells: controller
/// phandle, pin, flags) is the authority where it can be read; the unit address is the fallback.
/// </summary>
internal static class Dht22DeviceLocator
{
    private const string DriverName = "dht11";

    public static (IioDevice? Device, SensorError? Error) Locate(ISysfs sysfs, Dht22Options options)
    {
        if (!string.IsNullOrWhiteSpace(options.DevicePath))
        {
            return sysfs.Exists(options.DevicePath)
                ? (IioDevice.At(sysfs, options.DevicePath), null)
                : (null, new SensorError(SensorErrorKind.NotPresent,
                    $"DHT22 device {options.DevicePath} does not exist: check DevicePath (the iio:deviceN number can change between boots; prefer Gpio)", Errno.ENOENT));
        }

        var all = IioDevice.Enumerate(sysfs, options.IioRoot);
        var dhts = all.Where(d => IsDht(d.Name)).ToList();
        var matching = options.Gpio is { } gpio ? dhts.Where(d => GpioOf(sysfs, d) == gpio).ToList() : dhts;

        if (matching.Count == 1) return (matching[0], null);
        if (matching.Count > 1)
        {
            return (null, new SensorError(SensorErrorKind.NotPresent,
                $"{matching.Count} IIO dht11 devices ({string.Join(", ", matching.Select(d => d.Name))}) and no Gpio to choose: set Gpio to the sensor's BCM pin"));
        }

        if (all.FirstOrDefault(d => d.NameErrno is Errno.EACCES or Errno.EPERM) is { } hidden)
        {
            return (null, new SensorError(SensorErrorKind.PermissionDenied,
                $"may not read {hidden.Path}/name: the service user cannot see IIO devices; check the unit's sandboxing (ProtectKernelTunables, InaccessiblePaths)", hidden.NameErrno));
        }

        var pin = options.Gpio is { } g ? g.ToString(CultureInfo.InvariantCulture) : null;
        return (null, new SensorError(SensorErrorKind.NotPresent, pin is null
            ? "no IIO device named dht11: add dtoverlay=dht11,gpiopin=<BCM pin> to /boot/firmware/config.txt and reboot"
            : $"no IIO device named dht11 for GPIO {pin}: add dtoverlay=dht11,gpiopin={pin} to /boot/firmware/config.txt and reboot"));
    }

    public static bool IsDht(string? name) =>
        name is not null && (name == DriverName || name.StartsWith(DriverName + "@", StringComparison.Ordinal));

    /// <summary>
    /// The GPIO from the device tree's gpios property, the authority; else from the name's unit
    /// address (an overlay that does not rewrite reg leaves every node dht11@0); null when neither tells.
    /// </summary>
    public static int? GpioOf(ISysfs sysfs, IioDevice device)
    {
        foreach (var node in new[] { "of_node", "device/of_node" })
        {
            if (sysfs.ReadBytes(Path.Combine(device.Path, node, "gpios")) is { } gpios && PinFromGpiosProperty(gpios) is { } pin)
                return pin;
        }

        var name = device.Name ?? "";
        var at = name.IndexOf('@', StringComparison.Ordinal);
        return at >= 0 && int.TryParse(name.AsSpan(at + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var unit)
            ? unit
            : null;
    }

    /// <summary>The pin cell of a one-line `gpios` property: big-endian u32 cells phandle, pin, flags.</summary>
    public static int? PinFromGpiosProperty(ReadOnlySpan<byte> property) =>
        property.Length == 12 && BinaryPrimitives.ReadUInt32BigEndian(property[4..]) is var pin and <= int.MaxValue
            ? (int)pin
            : null;
}
