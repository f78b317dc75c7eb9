using FarmGateway.Journal;

namespace FarmGateway.JournalBench;

/// <summary>What --profile adds: where an append's time goes, and what a full journal costs.</summary>
internal sealed record ProfileResult(
    IReadOnlyList<(BenchConfiguration Configuration, List<RunResult> Runs)> TimedBursts,
    (double ReadingsPerSecond, TimeSpan Elapsed) Floor,
    long FloorReadings,
    List<RunResult> FullJournal,
    int FullJournalSegments);

/// <summary>
/// Runs after the reported ones, so their clock reads never touch the main tables:
/// the burst configurations again with writes and fsyncs timed inside the file seam; the bare
/// write floor; and the default burst into a journal already at MaxBytes (1 GiB, 128 segments),
/// where every append's cap check sums all segments and every 8 MiB drops the oldest one.
/// </summary>
internal static class ProfileRuns
{
    public static ProfileResult Measure(BenchOptions options, IReadOnlyList<BenchConfiguration> configurations,
        RecordPool pool, MountInfo mount, TextWriter progress)
    {
        var timed = configurations.Where(c => c.Kind == RunKind.Burst)
            .Select(c => (c, Enumerable.Range(0, options.Runs)
                .Select(_ => JournalBenchmark.InFreshDirectory(options, directory =>
                    BurstRun.Measure(c.Name, directory, new JournalOptions { FlushInterval = c.FlushInterval }, c.Readings, pool, mount, timeFileCalls: true)))
                .ToList()))
            .ToList();
        progress.WriteLine("Profile: timed bursts done.");

        var floor = Enumerable.Range(0, options.Runs)
            .Select(_ => JournalBenchmark.InFreshDirectory(options, directory => WriteFloorRun.Measure(directory, options.BurstReadings, pool)))
            .OrderBy(f => f.ReadingsPerSecond).ElementAt(options.Runs / 2);
        progress.WriteLine("Profile: write floor done.");

        var (full, segments) = JournalBenchmark.InFreshDirectory(options, directory => FullJournal(directory, options, pool, mount, progress));
        return new ProfileResult(timed, floor, options.BurstReadings, full, segments);
    }

    private static (List<RunResult>, int) FullJournal(string directory, BenchOptions options, RecordPool pool, MountInfo mount, TextWriter progress)
    {
        var journalOptions = new JournalOptions();
        using (var journal = DiskJournal.Open(directory, journalOptions, TimeProvider.System))
        {
            // Fill to the cap: MaxBytes of frames plus a little, so the cap check is already dropping.
            var frames = (long)(journalOptions.MaxBytes / (pool.MeanBytes + 16)) + 50_000;
            for (long i = 0; i < frames; i++) journal.Append(pool[i]);
            journal.Flush();
        }
        progress.WriteLine("Profile: journal filled to MaxBytes.");
        var runs = Enumerable.Range(0, options.Runs)
            .Select(_ => BurstRun.Measure("full journal", directory, journalOptions, options.BurstReadings, pool, mount))
            .ToList();
        using var reopened = DiskJournal.Open(directory, journalOptions, TimeProvider.System);
        return (runs, reopened.GetStats().Segments);
    }
}
