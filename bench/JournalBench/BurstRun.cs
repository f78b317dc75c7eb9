using System.Diagnostics;
using FarmGateway.Journal;

namespace FarmGateway.JournalBench;

/// <summary>
/// Throughput: <c>count</c> appends as fast as one thread can make them, on the real clock (so
/// group commit and the journal's flush timer run as in production), including the final
/// Flush. Write amplification of a full-speed burst comes out of the same run.
/// </summary>
internal static class BurstRun
{
    /// <summary><paramref name="directory"/> is normally fresh; --profile also runs into a journal that is already full.</summary>
    public static RunResult Measure(string configuration, string directory, JournalOptions options, long count,
        RecordPool pool, MountInfo mount, bool timeFileCalls = false)
    {
        var files = new FileCallCounter { TimeCalls = timeFileCalls };
        using var journal = DiskJournal.Open(directory, options, TimeProvider.System, CountingAppendFile.Opener(files));
        journal.Flush();
        IoCounters.SyncAll();

        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var written = IoCounters.ProcessWriteBytes();
        var device = IoCounters.DeviceWriteBytes(mount.DeviceStatPath);
        files.Reset();
        long payloadBytes = 0;

        var clock = Stopwatch.StartNew();
        for (long i = 0; i < count; i++)
        {
            var payload = pool[i];
            journal.Append(payload);
            payloadBytes += payload.Length;
        }
        journal.Flush();
        clock.Stop();

        var allocatedAfter = GC.GetTotalAllocatedBytes(precise: true);
        IoCounters.SyncAll();
        var writtenAfter = IoCounters.ProcessWriteBytes();
        var deviceAfter = IoCounters.DeviceWriteBytes(mount.DeviceStatPath);
        return new RunResult(configuration, count, payloadBytes, clock.Elapsed,
            writtenAfter - written, deviceAfter - device, files.Syncs,
            allocatedAfter - allocated, TimeSpan.Zero,
            FileCallCounter.ToTime(files.SyncTicks), FileCallCounter.ToTime(files.AppendTicks));
    }
}
