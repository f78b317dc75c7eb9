using System.Diagnostics;
using FarmGateway.Storage;

namespace FarmGateway.JournalBench;

/// <summary>
/// --profile only: the same number of same-size frames written with the journal's own
/// <see cref="AppendFile"/> and no journal around it (no lock, CRC, bookkeeping or group
/// commit). Timed without the closing fsync, so it compares with the "in write" column.
/// </summary>
internal static class WriteFloorRun
{
    public static (double ReadingsPerSecond, TimeSpan Elapsed) Measure(string directory, long count, RecordPool pool)
    {
        System.IO.Directory.CreateDirectory(directory);
        var frames = Enumerable.Range(0, 4096).Select(i => new byte[16 + pool[i].Length]).ToArray();
        using var file = AppendFile.Open(Path.Combine(directory, "floor.bin"));
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < count; i++) file.Append(frames[i % frames.Length]);
        clock.Stop();
        file.Sync();
        return (count / clock.Elapsed.TotalSeconds, clock.Elapsed);
    }
}
