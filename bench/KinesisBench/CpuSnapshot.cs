using System.Diagnostics;
using FarmGateway.Bench;

namespace FarmGateway.KinesisBench;

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
