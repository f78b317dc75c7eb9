using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace FarmGateway.Bench;

/// <summary>CPU and memory counters from /proc, shared by the benchmarks.</summary>
internal static partial class ProcStat
{
    private const int ScClockTicks = 2; // _SC_CLK_TCK in glibc and musl

    private static readonly long TicksPerSecond = Math.Max(1, SysConf(ScClockTicks));

    /// <summary>utime + stime of a whole process (all threads): fields 14 and 15 of /proc/&lt;pid&gt;/stat; zero once it is gone.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        var fields = StatFields($"/proc/{pid}/stat");
        return fields is null ? TimeSpan.Zero : ToTime(Long(fields[11]) + Long(fields[12]));
    }

    /// <summary>
    /// cutime + cstime of this process (fields 16 and 17): the CPU of the children it has waited
    /// for, i.e. of the mosquitto_pub processes once they exited (.NET reaps its children).
    /// </summary>
    public static TimeSpan ReapedChildrenCpuTime()
    {
        var fields = StatFields("/proc/self/stat") ?? throw new InvalidOperationException("/proc/self/stat is missing");
        return ToTime(Long(fields[13]) + Long(fields[14]));
    }

    /// <summary>VmRSS and VmHWM (peak RSS since start) in bytes from /proc/&lt;pid&gt;/status; null once it is gone.</summary>
    public static (long Rss, long Peak)? Memory(int pid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid}/status");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        long Kb(string name) => lines.Where(l => l.StartsWith(name, StringComparison.Ordinal))
            .Select(l => Long(l[name.Length..].Trim().Split(' ')[0]) * 1024).FirstOrDefault();
        return (Kb("VmRSS:"), Kb("VmHWM:"));
    }

    /// <summary>Busy and total time of all cores together, from the "cpu" line of /proc/stat.</summary>
    public static (TimeSpan Busy, TimeSpan Total) Machine()
    {
        using var reader = new StreamReader("/proc/stat");
        var line = reader.ReadLine() ?? throw new InvalidOperationException("/proc/stat is empty");
        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(Long).ToArray();
        // user nice system idle iowait irq softirq steal
        var idle = values[3] + values[4];
        return (ToTime(values.Sum() - idle), ToTime(values.Sum()));
    }

    /// <summary>
    /// Waits until the machine has been nearly idle (below <paramref name="busyCores"/> cores busy)
    /// for one second, at most <paramref name="patience"/>: the machine may be shared. True if it got quiet.
    /// </summary>
    public static bool WaitForQuiet(double busyCores, TimeSpan patience)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(patience.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var (busy, _) = Machine();
            var start = Stopwatch.GetTimestamp();
            Thread.Sleep(1000);
            var cores = (Machine().Busy - busy) / Stopwatch.GetElapsedTime(start);
            if (cores < busyCores) return true;
            if (Stopwatch.GetTimestamp() > deadline) return false;
        }
    }

    private static string[]? StatFields(string path)
    {
        string stat;
        try
        {
            stat = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    private static long Long(string text) => long.Parse(text, CultureInfo.InvariantCulture);

    private static TimeSpan ToTime(long ticks) => TimeSpan.FromSeconds((double)ticks / TicksPerSecond);

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);
}
