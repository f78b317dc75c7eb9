using System.Diagnostics;
using FarmGateway.Storage;

namespace FarmGateway.JournalBench;

/// <summary>What the journal asked of its files during a run: fsyncs, and with --profile the time spent in them.</summary>
internal sealed class FileCallCounter
{
    public bool TimeCalls { get; init; }
    public long Syncs;
    public long SyncTicks;
    public long AppendTicks;

    public void Reset()
    {
        Syncs = SyncTicks = AppendTicks = 0;
    }

    public static TimeSpan ToTime(long ticks) => Stopwatch.GetElapsedTime(0, ticks);
}

/// <summary>
/// The real <see cref="AppendFile"/> behind the journal's own seam (<see cref="AppendFileOpener"/>),
/// counting fsyncs; with <see cref="FileCallCounter.TimeCalls"/> it also times writes and
/// fsyncs (two clock reads per call, a few percent of an append, so only with --profile).
/// </summary>
internal sealed class CountingAppendFile(IAppendFile inner, FileCallCounter counter) : IAppendFile
{
    public static AppendFileOpener Opener(FileCallCounter counter) =>
        path => new CountingAppendFile(AppendFile.Open(path), counter);

    public string Path => inner.Path;
    public long Length => inner.Length;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (!counter.TimeCalls)
        {
            inner.Append(data);
            return;
        }
        var start = Stopwatch.GetTimestamp();
        inner.Append(data);
        counter.AppendTicks += Stopwatch.GetTimestamp() - start;
    }

    public void Sync()
    {
        var start = counter.TimeCalls ? Stopwatch.GetTimestamp() : 0;
        inner.Sync();
        if (counter.TimeCalls) counter.SyncTicks += Stopwatch.GetTimestamp() - start;
        counter.Syncs++;
    }

    public void Truncate(long length) => inner.Truncate(length);

    public void Dispose() => inner.Dispose();
}
