namespace FarmGateway.JournalBench;

internal enum RunKind
{
    /// <summary>As fast as possible on the real clock: throughput.</summary>
    Burst,

    /// <summary>A fixed rate on a simulated clock: steady-state write amplification.</summary>
    Barn,
}

/// <summary>One row of the result tables.</summary>
internal sealed record BenchConfiguration(string Name, RunKind Kind, TimeSpan FlushInterval, long Readings, TimeSpan Duration, bool RealTime = false)
{
    public static IReadOnlyList<BenchConfiguration> All(BenchOptions options)
    {
        var oneSecond = TimeSpan.FromSeconds(1);
        var fsyncBarnTime = TimeSpan.FromSeconds((double)options.FsyncReadings / options.Sensors);
        List<BenchConfiguration> all =
        [
            new("FlushInterval 00:00:01 (default)", RunKind.Burst, oneSecond, options.BurstReadings, TimeSpan.Zero),
            new("FlushInterval 00:00:00 (fsync per append)", RunKind.Burst, TimeSpan.Zero, options.FsyncReadings, TimeSpan.Zero),
            new("FlushInterval 00:00:00 (fsync per append)", RunKind.Barn, TimeSpan.Zero, options.FsyncReadings, fsyncBarnTime),
            new("FlushInterval 00:00:01 (default)", RunKind.Barn, oneSecond, (long)(options.BarnTime.TotalSeconds * options.Sensors), options.BarnTime),
            new("FlushInterval 00:00:10", RunKind.Barn, TimeSpan.FromSeconds(10), (long)(options.BarnTime.TotalSeconds * options.Sensors), options.BarnTime),
        ];
        if (options.RealTime > TimeSpan.Zero)
            all.Add(new("FlushInterval 00:00:01 (default), real clock", RunKind.Barn, oneSecond,
                (long)(options.RealTime.TotalSeconds * options.Sensors), options.RealTime, RealTime: true));
        return all;
    }
}
