using System.Diagnostics;
using FarmGateway.Journal;

namespace FarmGateway.JournalBench;

/// <summary>
/// Steady state at a barn's rate: <c>sensors</c> readings per second, one every 1/sensors s.
/// Normally on a <see cref="ManualTimeProvider"/> advanced by 1/sensors s after each append:
/// group commit is driven by that clock (the journal's flush timer and its due check both read
/// it), so the number of fsyncs - and the pages they rewrite - is what the same time would give
/// on a real clock; only the wall time between them is shorter. With <c>realTime</c> the
/// journal gets the system clock and the loop sleeps between readings (the check that the
/// simulation matches). A warm-up (segment header, first fsyncs) is excluded from the counts.
/// </summary>
internal static class BarnRun
{
    public static RunResult Measure(string configuration, string directory, TimeSpan flushInterval, TimeSpan duration,
        int sensors, RecordPool pool, MountInfo mount, bool realTime = false)
    {
        var files = new FileCallCounter();
        var manual = new ManualTimeProvider();
        TimeProvider time = realTime ? TimeProvider.System : manual;
        var step = TimeSpan.FromSeconds(1) / sensors;
        var wall = Stopwatch.StartNew();
        long next = 0;
        void Pace()
        {
            if (!realTime)
            {
                manual.Advance(step);
                return;
            }
            var wait = step * next - wall.Elapsed; // the schedule, so a slow append does not shift the rate
            if (wait > TimeSpan.Zero) Thread.Sleep(wait);
        }

        var options = new JournalOptions { FlushInterval = flushInterval };
        using var journal = DiskJournal.Open(directory, options, time, CountingAppendFile.Opener(files));
        var warmUpReadings = (long)((realTime ? TimeSpan.FromSeconds(5) : TimeSpan.FromMinutes(1)).TotalSeconds * sensors);
        while (next < warmUpReadings)
        {
            journal.Append(pool[next++]);
            Pace();
        }
        journal.Flush();
        IoCounters.SyncAll();

        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var written = IoCounters.ProcessWriteBytes();
        var device = IoCounters.DeviceWriteBytes(mount.DeviceStatPath);
        files.Reset();
        long payloadBytes = 0;

        var readings = (long)(duration.TotalSeconds * sensors);
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < readings; i++)
        {
            var payload = pool[next++];
            journal.Append(payload);
            payloadBytes += payload.Length;
            Pace();
        }
        journal.Flush();
        clock.Stop();

        var allocatedAfter = GC.GetTotalAllocatedBytes(precise: true);
        IoCounters.SyncAll();
        var writtenAfter = IoCounters.ProcessWriteBytes();
        var deviceAfter = IoCounters.DeviceWriteBytes(mount.DeviceStatPath);
        return new RunResult(configuration, readings, payloadBytes, clock.Elapsed,
            writtenAfter - written, deviceAfter - device, files.Syncs,
            allocatedAfter - allocated, duration, TimeSpan.Zero, TimeSpan.Zero);
    }
}
