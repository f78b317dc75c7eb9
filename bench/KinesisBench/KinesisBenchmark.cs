using System.Globalization;
using FarmGateway.Bench;

namespace FarmGateway.KinesisBench;

/// <summary>
/// Runs an unreported warm-up of each phase, then <see cref="BenchOptions.Runs"/> runs of each,
/// alternating (raw first in odd runs, gateway first in even ones, so a drift of the machine over
/// time hits both alike). Every measured run gets a kinesalite of its own, warmed up and then
/// idle: one long-lived node process that had taken every run's records was seen to get slower
/// and more erratic run after run, which would be measured as the client's doing. Each
/// run sends into a fresh stream that is read back and verified afterwards. Progress goes to one
/// writer, the Markdown report to the other.
/// </summary>
internal static class KinesisBenchmark
{
    /// <summary>
    /// Busier than this (in cores, everything on the machine) and a run waits before it starts;
    /// others busier than this during a run and it is measured again.
    /// </summary>
    public const double QuietCores = 0.25;

    public const int MaxAttempts = 3;

    public static async Task<int> RunAsync(BenchOptions options, TextWriter report, TextWriter progress)
    {
        var root = MachineInfo.RepositoryRoot();
        var machine = MachineInfo.Read();
        Directory.CreateDirectory(options.BaseDirectory);
        var readings = new ReadingSet(Math.Max(options.Records, options.WarmUpRecords), options.Sensors);
        var raw = readings.Serialize(BenchRegion.RawEpoch, readings.Count);
        var sizes = raw.Select(r => r.Data.Length).ToArray();
        var records = new RecordSizes(sizes.Min(), sizes.Max(), sizes.Average());
        progress.WriteLine(I($"{readings.Count:N0} readings of {options.Sensors} sensors, {records.Min}-{records.Max} bytes, e.g. {System.Text.Encoding.UTF8.GetString(raw[0].Data)}"));

        var runner = new Runner(options, root, readings, raw, progress);
        string version;
        await using (var kinesalite = await runner.StartKinesaliteAsync())
        {
            version = kinesalite.Version;
            progress.WriteLine(I($"kinesalite {kinesalite.Version} (node {machine.Node}); {machine.Cores} cores."));
            if (options.WarmUpRecords > 0)
            {
                await runner.MeasureAsync(kinesalite, Phase.Raw, 0, options.WarmUpRecords);
                await runner.MeasureAsync(kinesalite, Phase.Gateway, 0, options.WarmUpRecords);
            }
        }
        var results = new List<RunResult>();
        for (var run = 1; run <= options.Runs; run++)
            foreach (var phase in run % 2 == 1 ? [Phase.Raw, Phase.Gateway] : (Phase[])[Phase.Gateway, Phase.Raw])
                results.Add(await runner.MeasureUndisturbedAsync(phase, run));

        ProfileResult? profile = null;
        if (options.Profile)
            await using (var kinesalite = await runner.StartKinesaliteAsync())
                profile = await ProfileRuns.MeasureAsync(options, kinesalite, readings, raw, progress);

        ResultReport.Write(report, new ReportContext(options, machine, version, records, SourceVersion.Describe(root)), results, profile);
        return results.All(r => r.Verification!.Complete) ? 0 : 1;
    }

    private sealed class Runner(BenchOptions options, string root, ReadingSet readings, RawRecord[] raw, TextWriter progress)
    {
        public Task<KinesaliteServer> StartKinesaliteAsync() => KinesaliteServer.StartAsync(root);

        /// <summary>
        /// One measured run on a fresh, warm kinesalite; repeated (at most <see cref="MaxAttempts"/>
        /// times in all) while something else on the machine kept more than <see cref="QuietCores"/>
        /// busy during it. The last attempt counts in any case, marked in the report.
        /// </summary>
        public async Task<RunResult> MeasureUndisturbedAsync(Phase phase, int run)
        {
            for (var attempt = 1; ; attempt++)
            {
                await using var kinesalite = await StartWarmKinesaliteAsync();
                var result = await MeasureAsync(kinesalite, phase, run, options.Records);
                result = result with { Attempts = attempt };
                if (!result.Disturbed || attempt == MaxAttempts) return result;
                progress.WriteLine(I($"{phase,-7} run {run}: other processes kept {result.Cpu.OtherCores:F2} cores busy; measuring again."));
            }
        }

        /// <summary>A fresh kinesalite that has taken the warm-up records (node's JIT) into a stream it then deleted.</summary>
        public async Task<KinesaliteServer> StartWarmKinesaliteAsync()
        {
            var kinesalite = await StartKinesaliteAsync();
            if (options.WarmUpRecords == 0) return kinesalite;
            var stream = $"warm-up-{Guid.NewGuid().ToString("N")[..8]}";
            await kinesalite.CreateStreamAsync(stream, options.Shards);
            await RawPutRecordsRun.MeasureAsync(0, kinesalite, new FarSide(kinesalite.Endpoint, TimedTransport.OverSockets, Verify: false),
                stream, raw, options.WarmUpRecords);
            await kinesalite.DeleteStreamAsync(stream);
            return kinesalite;
        }

        public async Task<RunResult> MeasureAsync(KinesaliteServer kinesalite, Phase phase, int run, int count)
        {
            var stream = $"bench-{phase.ToString().ToLowerInvariant()}-{run}-{Guid.NewGuid().ToString("N")[..8]}";
            await kinesalite.CreateStreamAsync(stream, options.Shards);
            var quiet = WaitForQuiet();
            var result = phase == Phase.Raw
                ? await RawPutRecordsRun.MeasureAsync(run, kinesalite, FarSide.Kinesalite(kinesalite), stream, raw, count)
                : await GatewayDrainRun.MeasureAsync(run, kinesalite, FarSide.Kinesalite(kinesalite), stream, readings, count, options.BaseDirectory);
            await kinesalite.DeleteStreamAsync(stream);
            result = result with { StartedQuiet = quiet };
            var label = run == 0 ? "warm-up" : I($"run {run}/{options.Runs}");
            var verdict = result.Verification!.Complete ? "all ids in the stream" : I($"INVALID: {result.Verification.Missing:N0} ids missing, {result.Verification.Unexpected:N0} unexpected");
            progress.WriteLine(I($"{phase,-7} {label,-9}: {count,9:N0} records in {result.Cpu.Wall.TotalSeconds,6:F2} s = {result.RecordsPerSecond,7:N0}/s, CPU {result.CpuMsPerThousand,5:F1} ms/1,000 (kinesalite {result.KinesaliteCpuMsPerThousand,5:F1}), {result.Requests.Count} requests ({Sizes(result)}), longest gap {result.LongestGapMs:F0} ms{(phase == Phase.Gateway ? I($", live lane on {result.LiveLaneShare:P0}") : "")}, other load {result.Cpu.OtherCores:F2} cores{(quiet ? "" : " (did not get quiet)")}; {verdict}"));
            return result;
        }

        public bool WaitForQuiet() =>
            options.QuietPatience <= TimeSpan.Zero || ProcStat.WaitForQuiet(QuietCores, options.QuietPatience);
    }

    /// <summary>Request sizes in records, most frequent first: "500×400, 100×1".</summary>
    private static string Sizes(RunResult result) => string.Join(", ", result.Requests.GroupBy(r => r.Records)
        .OrderByDescending(g => g.Count()).ThenByDescending(g => g.Key).Take(4).Select(g => I($"{g.Key}×{g.Count()}")))
        + (result.Requests.Select(r => r.Records).Distinct().Count() > 4 ? ", ..." : "");

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

internal sealed record RecordSizes(int Min, int Max, double Mean);

/// <summary>What the report says about how it was made.</summary>
/// <param name="Source">Which gateway code was measured (<see cref="SourceVersion"/>).</param>
internal sealed record ReportContext(BenchOptions Options, MachineInfo Machine, string KinesaliteVersion, RecordSizes Records, string Source);
