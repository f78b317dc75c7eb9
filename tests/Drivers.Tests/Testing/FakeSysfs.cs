using System.Globalization;
using FarmGateway.Drivers.Linux;

namespace FarmGateway.Drivers.Tests.Testing;

/// <summary>
/// An <see cref="ISysfs"/> over a real temp directory (read through the real <see cref="Sysfs"/>,
/// so missing files give a genuine ENOENT), with what plain files cannot do: queued errno
/// results per path (EIO, ETIMEDOUT, EACCES) and a log of every read with the clock time, so tests can check attempt spacing.
/// </summary>
public sealed class FakeSysfs : ISysfs, IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly DriverClock? _clock;
    private readonly Dictionary<string, Queue<int>> _failures = [];
    private readonly List<SysfsRead> _reads = [];

    /// <param name="clock">Stamps the read log; without one reads are stamped zero.</param>
    public FakeSysfs(DriverClock? clock = null) => _clock = clock;

    /// <summary>The fake tree's root, e.g. where "sys/bus/iio/devices" lives.</summary>
    public string Root => _directory.Path;

    /// <summary>The IIO devices folder of the fake tree.</summary>
    public string IioRoot => Combine("sys", "bus", "iio", "devices");

    public IReadOnlyList<SysfsRead> Reads => _reads;

    public string Combine(params string[] parts) => _directory.Combine(parts);

    /// <summary>The next <paramref name="times"/> reads of <paramref name="path"/> fail with <paramref name="errno"/>.</summary>
    public void FailNext(string path, int errno, int times = 1)
    {
        if (!_failures.TryGetValue(path, out var queue)) _failures[path] = queue = new Queue<int>();
        for (var i = 0; i < times; i++) queue.Enqueue(errno);
    }

    /// <summary>Creates or replaces a file (parents too).</summary>
    public string SetFile(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>
    /// Lays out sys/bus/iio/devices/&lt;entry&gt; with a `name` file and the given attribute
    /// files (written with a trailing newline, as the kernel does). Returns the device folder.
    /// </summary>
    public string AddIioDevice(string entry, string name, params (string File, string Value)[] files)
    {
        var device = Path.Combine(IioRoot, entry);
        SetFile(Path.Combine(device, "name"), name + "\n");
        foreach (var (file, value) in files) SetFile(Path.Combine(device, file), value + "\n");
        return device;
    }

    public SysfsResult ReadText(string path)
    {
        var result = TakeFailure(path) is { } errno ? SysfsResult.Error(errno) : Sysfs.Instance.ReadText(path);
        _reads.Add(new SysfsRead(path, _clock?.Now ?? TimeSpan.Zero, result.Errno));
        return result;
    }

    public byte[]? ReadBytes(string path) => TakeFailure(path) is null ? Sysfs.Instance.ReadBytes(path) : null;

    public IReadOnlyList<string> List(string directory) => Sysfs.Instance.List(directory);

    public bool Exists(string path) => Sysfs.Instance.Exists(path);

    public void Dispose() => _directory.Dispose();

    private int? TakeFailure(string path) =>
        _failures.TryGetValue(path, out var queue) && queue.Count > 0 ? queue.Dequeue() : null;
}

/// <summary>One read the driver made: which file, when on the driver clock, and its errno (0 = ok).</summary>
public readonly record struct SysfsRead(string Path, TimeSpan At, int Errno);
