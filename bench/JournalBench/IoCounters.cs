using System.Globalization;

namespace FarmGateway.JournalBench;

/// <summary>
/// Byte counters read around a run. <c>write_bytes</c> in /proc/self/io is charged to this
/// process when it dirties a clean page-cache page (a whole 4 KiB page each time), i.e. what it
/// causes to be written to the block layer; it does not include the file system's own journal
/// (ext4's jbd2 writes inode and commit blocks from a kernel thread). The device counter does,
/// but it is system-wide: anything else writing to the same disk is counted too.
/// </summary>
internal static partial class IoCounters
{
    public static long ProcessWriteBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/io"))
            if (line.StartsWith("write_bytes:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan("write_bytes:".Length).Trim(), CultureInfo.InvariantCulture);
        throw new InvalidOperationException("/proc/self/io has no write_bytes line (kernel without task I/O accounting?).");
    }

    /// <summary>Bytes written to the block device behind <paramref name="statPath"/> (field 7, sectors of 512 bytes); null if unreadable.</summary>
    public static long? DeviceWriteBytes(string? statPath)
    {
        if (statPath is null || !File.Exists(statPath)) return null;
        var fields = File.ReadAllText(statPath).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 6 && long.TryParse(fields[6], CultureInfo.InvariantCulture, out var sectors) ? sectors * 512 : null;
    }

    /// <summary>sync(2): everything dirty anywhere goes to disk, so the counters after it are settled.</summary>
    public static void SyncAll() => Native.sync();

    private static partial class Native
    {
        [System.Runtime.InteropServices.LibraryImport("libc")]
        public static partial void sync();
    }
}
