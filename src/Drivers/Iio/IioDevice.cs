using System.Globalization;
using FarmGateway.Drivers.Linux;

namespace FarmGateway.Drivers.Iio;

/// <summary>
/// One device under /sys/bus/iio/devices and its channels. The iio:deviceN number follows probe
/// order and changes between boots (and when a driver is rebound), so devices are found by their
/// `name` attribute and <see cref="IsStillThere"/> is checked before each use.
/// </summary>
public sealed class IioDevice
{
    public const string DefaultRoot = "/sys/bus/iio/devices";

    // Only iio:deviceN entries are devices; the same folder also lists triggerN.
    private const string DevicePrefix = "iio:device";

    private readonly ISysfs _sysfs;

    private IioDevice(ISysfs sysfs, string path, string? name, int nameErrno)
    {
        _sysfs = sysfs;
        Path = path;
        Name = name;
        NameErrno = nameErrno;
    }

    /// <summary>The device directory, e.g. /sys/bus/iio/devices/iio:device0.</summary>
    public string Path { get; }

    /// <summary>The `name` attribute when it could be read.</summary>
    public string? Name { get; }

    /// <summary>0, or the errno reading `name` gave.</summary>
    public int NameErrno { get; }

    /// <summary>The device at an explicit directory; its name is read once, now.</summary>
    public static IioDevice At(ISysfs sysfs, string path)
    {
        var name = sysfs.ReadText(System.IO.Path.Combine(path, "name"));
        return new IioDevice(sysfs, path, name.Ok ? name.Text!.Trim() : null, name.Errno);
    }

    /// <summary>Every iio:deviceN under <paramref name="root"/>, in name order; empty when the root is missing.</summary>
    public static IReadOnlyList<IioDevice> Enumerate(ISysfs sysfs, string root) =>
        [.. sysfs.List(root)
            .Where(entry => entry.StartsWith(DevicePrefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(entry => At(sysfs, System.IO.Path.Combine(root, entry)))];

    /// <summary>
    /// True while the directory exists and still carries the same name: after a renumbering
    /// iio:device0 may be another chip.
    /// </summary>
    public bool IsStillThere()
    {
        if (!_sysfs.Exists(Path)) return false;
        if (Name is null) return true;
        var name = _sysfs.ReadText(System.IO.Path.Combine(Path, "name"));
        return !name.Ok || name.Text!.Trim() == Name;
    }

    /// <summary>True when the device has the channel as _input or _raw.</summary>
    public bool Has(IioChannel channel) =>
        _sysfs.Exists(File(channel, "input")) || _sysfs.Exists(File(channel, "raw"));

    /// <summary>
    /// Reads a channel in the sample unit: `_input` when there is one (already scaled), else
    /// (`_raw` + `_offset`) * `_scale` with a missing offset meaning 0 and a missing scale 1, as
    /// the ABI says. Absent when neither _input nor _raw exists.
    /// </summary>
    /// <param name="ioErrorKind">What EIO means for this chip (see <see cref="IioErrors.FromErrno"/>).</param>
    public IioChannelReading Read(IioChannel channel, SensorErrorKind ioErrorKind)
    {
        var input = ReadNumber(File(channel, "input"), ioErrorKind);
        if (input.Errno != Errno.ENOENT)
            return input.Error is { } e ? new(null, e) : new(input.Value * channel.ToSampleUnit, null);

        var raw = ReadNumber(File(channel, "raw"), ioErrorKind);
        if (raw.Errno == Errno.ENOENT) return IioChannelReading.Absent;
        if (raw.Error is { } rawError) return new(null, rawError);

        var offset = ReadNumber(File(channel, "offset"), ioErrorKind, missing: 0.0);
        if (offset.Error is { } offsetError) return new(null, offsetError);
        var scale = ReadNumber(File(channel, "scale"), ioErrorKind, missing: 1.0);
        if (scale.Error is { } scaleError) return new(null, scaleError);

        return new((raw.Value + offset.Value) * scale.Value * channel.ToSampleUnit, null);
    }

    public override string ToString() => Name is null ? Path : $"{Path} ({Name})";

    private string File(IioChannel channel, string suffix) => System.IO.Path.Combine(Path, $"{channel.Prefix}_{suffix}");

    private Number ReadNumber(string path, SensorErrorKind ioErrorKind, double? missing = null)
    {
        var result = _sysfs.ReadText(path);
        if (result.Errno == Errno.ENOENT && missing is { } fallback) return new(fallback, null, 0);
        if (!result.Ok) return new(0, IioErrors.FromErrno(result.Errno, path, ioErrorKind), result.Errno);

        var text = result.Text!.Trim();
        // Integers and IIO_VAL_INT_PLUS_* / FRACTIONAL values are all printed as plain decimals.
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
            return new(value, null, 0);
        return new(0, new SensorError(SensorErrorKind.ProtocolError, $"{path} holds '{text}', not a decimal number"), 0);
    }

    private readonly record struct Number(double Value, SensorError? Error, int Errno);
}
