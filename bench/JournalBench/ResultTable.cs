using System.Globalization;

namespace FarmGateway.JournalBench;

/// <summary>The Markdown report: how it was measured, two tables, and the issue's targets.</summary>
internal static class ResultTable
{
    private const double TargetReadingsPerSecond = 100_000;
    private const double TargetWriteAmplification = 1.2;

    public static void Write(TextWriter w, ReportContext context, IReadOnlyList<(BenchConfiguration Configuration, RunResult Result)> results,
        ProfileResult? profile)
    {
        var (options, machine, mount, pool) = context;
        var groups = results.GroupBy(r => r.Configuration).Select(g => (Configuration: g.Key, Runs: g.Select(r => r.Result).ToList())).ToList();
        var sensors = options.Sensors;

        w.WriteLine("## Journal benchmark results");
        w.WriteLine();
        w.WriteLine(I($"- Machine: {machine.Cores} cores (`nproc`), {machine.Architecture} (`uname -m`), {machine.Cpu}, Linux {machine.Kernel}, {machine.Runtime}."));
        var journalNote = mount.Ext4JournalTask switch
        {
            null => "",
            "<none>" => " - an ext4 **without** a jbd2 journal",
            var task => $" - ext4 with its jbd2 journal ({task})",
        };
        w.WriteLine(I($"- Journal directory: a fresh one per run under `{Path.GetFullPath(options.BaseDirectory)}`: **{mount.FileSystem}** on `{mount.Source}` (mount point `{mount.MountPoint}`){journalNote}."));
        w.WriteLine(I($"- Payload: record schema v1 from `RecordSerializer`, {pool.MinBytes}–{pool.MaxBytes} bytes (mean {pool.MeanBytes:F1}); SCD30 readings (temperature, humidity, CO2) with site and location tags, pre-serialized. The journal adds a 16-byte frame header to each."));
        w.WriteLine(I($"- {options.Runs} run(s) per configuration; cells are median (min–max). Other `JournalOptions` at their defaults (SegmentBytes 8 MiB, MaxBytes 1 GiB)."));
        w.WriteLine("- Write amplification = `/proc/self/io` write_bytes delta / sum of payload bytes. MB = 10^6 bytes.");
        w.WriteLine();

        w.WriteLine("### Append throughput (one thread, as fast as it can, real clock, final Flush included)");
        w.WriteLine();
        w.WriteLine("| Configuration | Readings per run | Readings/s | Write amplification | Bytes written per reading | fsyncs per run | Allocated bytes per reading |");
        w.WriteLine("|---|--:|--:|--:|--:|--:|--:|");
        foreach (var (configuration, runs) in groups.Where(g => g.Configuration.Kind == RunKind.Burst))
            w.WriteLine(I($"| {configuration.Name} | {configuration.Readings:N0} | {Spread.Of(runs.Select(r => r.ReadingsPerSecond)).Format("N0")} | {Spread.Of(runs.Select(r => r.WriteAmplification)).Format("F3")} | {Spread.Of(runs.Select(r => r.WrittenBytesPerReading)).Format("F0")} | {Spread.Of(runs.Select(r => (double)r.Syncs)).Format("N0")} | {Spread.Of(runs.Select(r => r.AllocatedBytesPerReading)).Format("F0")} |"));
        w.WriteLine();

        w.WriteLine(I($"### Steady state at a barn's rate: {sensors} readings/s ({sensors} sensors × 1/s), simulated clock unless marked, warm-up excluded"));
        w.WriteLine();
        w.WriteLine("| Configuration | Time per run (simulated) | fsyncs per hour | Write amplification | Bytes written per reading | MB written per day | Device bytes per reading (system-wide: file-system metadata and other processes too) |");
        w.WriteLine("|---|--:|--:|--:|--:|--:|--:|");
        foreach (var (configuration, runs) in groups.Where(g => g.Configuration.Kind == RunKind.Barn))
        {
            var device = runs.All(r => r.DeviceBytesPerReading is not null) ? Spread.Of(runs.Select(r => r.DeviceBytesPerReading!.Value)).Format("F0") : "n/a";
            w.WriteLine(I($"| {configuration.Name} | {configuration.Duration:c} | {Spread.Of(runs.Select(r => r.SyncsPerHour)).Format("N0")} | {Spread.Of(runs.Select(r => r.WriteAmplification)).Format("F3")} | {Spread.Of(runs.Select(r => r.WrittenBytesPerReading)).Format("F0")} | {Spread.Of(runs.Select(r => PerDay(r.WrittenBytesPerReading, sensors))).Format("F1")} | {device} |"));
        }
        w.WriteLine();
        w.WriteLine(I($"For comparison: the payloads alone at {sensors} readings/s are {PerDay(pool.MeanBytes, sensors):F1} MB per day."));
        w.WriteLine();

        WriteTargets(w, groups);
        if (profile is not null) WriteProfile(w, profile);
    }

    private static void WriteTargets(TextWriter w, List<(BenchConfiguration Configuration, List<RunResult> Runs)> groups)
    {
        w.WriteLine("### Against the targets of issue 3");
        w.WriteLine();
        var burst = groups.First(g => g.Configuration.Kind == RunKind.Burst && g.Configuration.FlushInterval == TimeSpan.FromSeconds(1));
        var speed = Spread.Of(burst.Runs.Select(r => r.ReadingsPerSecond)).Median;
        w.WriteLine(I($"- >= {TargetReadingsPerSecond:N0} readings/s appended with the default FlushInterval: median **{speed:N0}/s**, {Verdict(speed >= TargetReadingsPerSecond)} ({speed / TargetReadingsPerSecond:P0} of the target)."));
        w.WriteLine(I($"- Write amplification <= {TargetWriteAmplification} at steady state:"));
        foreach (var (configuration, runs) in groups)
        {
            var amplification = Spread.Of(runs.Select(r => r.WriteAmplification)).Median;
            var label = configuration.Kind == RunKind.Burst ? "burst" : "barn rate";
            w.WriteLine(I($"  - {label}, {configuration.Name}: **{amplification:F3}**, {Verdict(amplification <= TargetWriteAmplification)}."));
        }
        w.WriteLine();
    }

    private static void WriteProfile(TextWriter w, ProfileResult profile)
    {
        w.WriteLine("### Where the time goes (--profile; separate runs, writes and fsyncs timed inside the journal's file seam)");
        w.WriteLine();
        w.WriteLine("| Configuration | Readings/s (timed runs) | µs per append | in write (pwrite) | in fsync (under the journal's lock) | rest: journal CPU (lock, CRC32C, copy, cap check, bookkeeping) |");
        w.WriteLine("|---|--:|--:|--:|--:|--:|");
        foreach (var (configuration, runs) in profile.TimedBursts)
        {
            var median = runs.OrderBy(r => r.ReadingsPerSecond).ElementAt(runs.Count / 2);
            var perAppend = median.Elapsed.TotalMicroseconds / median.Readings;
            var write = median.WriteTime.TotalMicroseconds / median.Readings;
            var sync = median.SyncTime.TotalMicroseconds / median.Readings;
            var rest = perAppend - write - sync;
            w.WriteLine(I($"| {configuration.Name} | {median.ReadingsPerSecond:N0} | {perAppend:F2} | {write:F2} µs ({write / perAppend:P0}) | {sync:F2} µs ({sync / perAppend:P0}) | {rest:F2} µs ({rest / perAppend:P0}) |"));
        }
        w.WriteLine();
        var floor = profile.Floor;
        w.WriteLine(I($"- Floor (median run): {profile.FloorReadings:N0} frames of the same sizes written with `AppendFile.Append` alone (no journal, no fsync): {floor.ReadingsPerSecond:N0}/s, {floor.Elapsed.TotalMicroseconds / profile.FloorReadings:F2} µs per write."));
        var full = profile.FullJournal;
        w.WriteLine(I($"- Default burst into a journal already at MaxBytes ({profile.FullJournalSegments} segments, the oldest dropped every 8 MiB): {Spread.Of(full.Select(r => r.ReadingsPerSecond)).Format("N0")} readings/s, {Spread.Of(full.Select(r => r.AllocatedBytesPerReading)).Format("F0")} bytes allocated per reading, write amplification {Spread.Of(full.Select(r => r.WriteAmplification)).Format("F3")}."));
        w.WriteLine();
    }

    private static double PerDay(double bytesPerReading, int readingsPerSecond) => bytesPerReading * readingsPerSecond * 86_400 / 1e6;

    private static string Verdict(bool met) => met ? "met" : "**missed**";

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
