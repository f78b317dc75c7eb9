using System.Diagnostics;
using System.Globalization;
using FarmGateway.Journal;

namespace FarmGateway.JournalBench;

/// <summary>Runs every configuration <see cref="BenchOptions.Runs"/> times, each in a fresh directory, and prints the report.</summary>
internal static class JournalBenchmark
{
    private const int PoolSize = 4096;

    /// <summary>Progress goes to <paramref name="progress"/>; the Markdown report to <paramref name="report"/>.</summary>
    public static int Run(BenchOptions options, TextWriter report, TextWriter progress)
    {
        System.IO.Directory.CreateDirectory(options.BaseDirectory);
        var mount = MountInfo.For(options.BaseDirectory);
        if (mount.IsMemoryBacked)
        {
            progress.WriteLine($"{options.BaseDirectory} is on {mount.FileSystem}: a memory file system measures nothing about the disk. Pass --dir on the disk under test.");
            return 2;
        }
        var machine = MachineInfo.Read();
        var pool = new RecordPool(PoolSize, options.Sensors);
        progress.WriteLine($"Journal directories under {Path.GetFullPath(options.BaseDirectory)}: {mount.FileSystem} on {mount.Source} (mount point {mount.MountPoint}).");
        progress.WriteLine($"Payload {pool.MinBytes}-{pool.MaxBytes} B, e.g. {pool.Example}");

        WarmUp(options, pool, mount, progress);
        var results = new List<(BenchConfiguration Configuration, RunResult Result)>();
        var configurations = BenchConfiguration.All(options);
        foreach (var configuration in configurations)
            for (var run = 1; run <= options.Runs; run++)
            {
                var result = InFreshDirectory(options, directory => configuration.Kind == RunKind.Burst
                    ? BurstRun.Measure(configuration.Name, directory, new JournalOptions { FlushInterval = configuration.FlushInterval }, configuration.Readings, pool, mount)
                    : BarnRun.Measure(configuration.Name, directory, configuration.FlushInterval, configuration.Duration, options.Sensors, pool, mount, configuration.RealTime));
                results.Add((configuration, result));
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{configuration.Kind,-5} {configuration.Name,-42} run {run}/{options.Runs}: {result.Readings,9:N0} readings in {result.Elapsed.TotalSeconds,7:F2} s = {result.ReadingsPerSecond,10:N0}/s, write amplification {result.WriteAmplification:F3}, {result.Syncs:N0} fsyncs"));
            }

        var profile = options.Profile ? ProfileRuns.Measure(options, configurations, pool, mount, progress) : null;
        ResultTable.Write(report, new ReportContext(options, machine, mount, pool), results, profile);
        return 0;
    }

    /// <summary>Lets the JIT reach its optimized tier before anything is measured (about 2 s of appends, not reported).</summary>
    private static void WarmUp(BenchOptions options, RecordPool pool, MountInfo mount, TextWriter progress)
    {
        var clock = Stopwatch.StartNew();
        var rounds = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(2) || rounds < 2)
        {
            InFreshDirectory(options, directory =>
                BurstRun.Measure("warm-up", directory, new JournalOptions(), Math.Min(100_000, options.BurstReadings), pool, mount));
            rounds++;
        }
        progress.WriteLine($"Warm-up: {rounds} unreported runs in {clock.Elapsed.TotalSeconds:F1} s.");
    }

    internal static T InFreshDirectory<T>(BenchOptions options, Func<string, T> run)
    {
        var directory = Path.Combine(Path.GetFullPath(options.BaseDirectory), $"journalbench-{Environment.ProcessId}-{Guid.NewGuid():N}");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        try
        {
            return run(directory);
        }
        finally
        {
            if (System.IO.Directory.Exists(directory)) System.IO.Directory.Delete(directory, recursive: true);
        }
    }
}

/// <summary>What the report says about how it was made.</summary>
internal sealed record ReportContext(BenchOptions Options, MachineInfo Machine, MountInfo Mount, RecordPool Pool);
