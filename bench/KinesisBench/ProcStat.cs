using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace FarmGateway.KinesisBench;

/// <summary>CPU counters from /proc, in clock ticks (USER_HZ) converted to time.</summary>
internal static partial class ProcStat
{
    private const int ScClockTicks = 2; // _SC_CLK_TCK in glibc and musl

    private static readonly long TicksPerSecond = Math.Max(1, SysConf(ScClockTicks));

    /// <summary>utime + stime of a whole process (all threads): fields 14 and 15 of /proc/&lt;pid&gt;/stat.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ToTime(ticks);
    }

    /// <summary>Busy and total time of all cores together, from the "cpu" line of /proc/stat.</summary>
    public static (TimeSpan Busy, TimeSpan Total) Machine()
    {
        using var reader = new StreamReader("/proc/stat");
        var line = reader.ReadLine() ?? throw new InvalidOperationException("/proc/stat is empty");
        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal
        var idle = values[3] + values[4];
        var total = values.Sum();
        return (ToTime(total - idle), ToTime(total));
    }

    /// <summary>
    /// Waits until the machine has been nearly idle (below <paramref name="busyCores"/> cores busy)
    /// for one second, at most <paramref name="patience"/>: the machine may be shared, and a
    /// neighbour's build in the middle of a run would be measured as ours. True if it got quiet.
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

    private static TimeSpan ToTime(long ticks) => TimeSpan.FromSeconds((double)ticks / TicksPerSecond);

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);
}

/// <summary>Wall clock and CPU counters at one moment; a phase is the difference of two.</summary>
internal readonly record struct CpuSnapshot(long Timestamp, TimeSpan ProcessCpu, TimeSpan KinesaliteCpu, TimeSpan MachineBusy, TimeSpan MachineTotal,
    long AllocatedBytes)
{
    public static CpuSnapshot Take(KinesaliteServer kinesalite)
    {
        using var self = Process.GetCurrentProcess();
        var (busy, total) = ProcStat.Machine();
        return new CpuSnapshot(Stopwatch.GetTimestamp(), self.TotalProcessorTime, kinesalite.CpuTime(), busy, total,
            GC.GetTotalAllocatedBytes(precise: true));
    }

    public static PhaseCpu operator -(CpuSnapshot end, CpuSnapshot start) => new(
        Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp),
        end.ProcessCpu - start.ProcessCpu,
        end.KinesaliteCpu - start.KinesaliteCpu,
        end.MachineBusy - start.MachineBusy,
        end.MachineTotal - start.MachineTotal,
        end.AllocatedBytes - start.AllocatedBytes);
}

/// <param name="Wall">Elapsed time.</param>
/// <param name="ProcessCpu">CPU of this process (Process.TotalProcessorTime): the client, or the gateway's uplink path.</param>
/// <param name="KinesaliteCpu">CPU of the kinesalite (node) process.</param>
/// <param name="MachineBusy">Non-idle time of all cores (everything on the machine).</param>
/// <param name="MachineTotal">Time of all cores, busy or not.</param>
/// <param name="AllocatedBytes">Bytes this process allocated on the managed heap (all threads).</param>
internal readonly record struct PhaseCpu(TimeSpan Wall, TimeSpan ProcessCpu, TimeSpan KinesaliteCpu, TimeSpan MachineBusy, TimeSpan MachineTotal,
    long AllocatedBytes)
{
    public double MachineBusyShare => MachineTotal > TimeSpan.Zero ? MachineBusy / MachineTotal : double.NaN;

    /// <summary>
    /// Cores kept busy by everything but this process and kinesalite (other processes, and kernel
    /// work charged to neither, e.g. some of the loopback's softirq time), on average over the run.
    /// </summary>
    public double OtherCores => Math.Max(0, (MachineBusy - ProcessCpu - KinesaliteCpu) / Wall); // below 0 only by tick rounding
}
