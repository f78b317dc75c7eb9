using System.Globalization;
using System.Runtime.InteropServices;

namespace FarmGateway.JournalBench;

/// <summary>The machine and the file system a run used, printed with every result table.</summary>
internal sealed record MachineInfo(int Cores, string Architecture, string Kernel, string Cpu, string Runtime)
{
    public static MachineInfo Read() => new(
        Environment.ProcessorCount,
        RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant() switch { "x64" => "x86_64", "arm64" => "aarch64", var a => a },
        TryRead("/proc/sys/kernel/osrelease") ?? Environment.OSVersion.VersionString,
        CpuModel(),
        RuntimeInformation.FrameworkDescription);

    private static string CpuModel()
    {
        var lines = File.Exists("/proc/cpuinfo") ? File.ReadAllLines("/proc/cpuinfo") : [];
        var model = lines.FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
            ?? lines.FirstOrDefault(l => l.StartsWith("Model", StringComparison.Ordinal)); // Raspberry Pi
        return model?.Split(':', 2)[1].Trim() ?? "unknown";
    }

    private static string? TryRead(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;
}

/// <summary>The mount a directory lives on, from /proc/self/mountinfo (what `df -T` and `stat -f` report).</summary>
internal sealed record MountInfo(string MountPoint, string FileSystem, string Source, string? DeviceStatPath)
{
    public bool IsMemoryBacked => FileSystem is "tmpfs" or "ramfs";

    /// <summary>
    /// For ext4: whether it has a jbd2 journal ("&lt;none&gt;" = no journal). It decides what each
    /// fsync costs on the device beyond the data pages, which /proc/self/io does not count.
    /// </summary>
    public string? Ext4JournalTask
    {
        get
        {
            var path = $"/sys/fs/ext4/{Path.GetFileName(Source)}/journal_task";
            return FileSystem == "ext4" && File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
    }

    public static MountInfo For(string directory)
    {
        var path = Path.GetFullPath(directory);
        MountInfo? best = null;
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            // "36 35 98:0 /root /mnt rw,noatime master:1 - ext4 /dev/vda rw": fields 3 and 5, then after " - ".
            var halves = line.Split(" - ", 2);
            var left = halves[0].Split(' ');
            var right = halves.Length > 1 ? halves[1].Split(' ') : [];
            if (left.Length < 5 || right.Length < 2) continue;
            var mountPoint = Unescape(left[4]);
            if (!IsUnder(path, mountPoint) || (best is not null && mountPoint.Length < best.MountPoint.Length)) continue;
            var stat = $"/sys/dev/block/{left[2]}/stat";
            best = new MountInfo(mountPoint, right[0], Unescape(right[1]), File.Exists(stat) ? stat : null);
        }
        return best ?? new MountInfo("/", "unknown", "unknown", null);
    }

    private static bool IsUnder(string path, string mountPoint) =>
        mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);

    // mountinfo escapes space, tab, newline and backslash as \ooo.
    private static string Unescape(string field) =>
        System.Text.RegularExpressions.Regex.Replace(field, @"\\([0-7]{3})",
            m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString(CultureInfo.InvariantCulture));
}
