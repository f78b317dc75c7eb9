using System.Globalization;

namespace FarmGateway.KinesisBench;

/// <summary>The Markdown report: how it was measured, the phases side by side, every run, issue 4's target, and --profile.</summary>
internal static class ResultReport
{
    private const double TargetRatio = 0.9;

    public static void Write(TextWriter w, ReportContext context, IReadOnlyList<RunResult> results, ProfileResult? profile)
    {
        var (options, machine, kinesaliteVersion, records, source) = context;
        var raw = results.Where(r => r.Phase == Phase.Raw).ToList();
        var gateway = results.Where(r => r.Phase == Phase.Gateway).ToList();

        w.WriteLine("## Kinesis backlog drain results");
        w.WriteLine();
        w.WriteLine(I($"- Machine: {machine.Cores} cores (`nproc`), {machine.Architecture}, {machine.Cpu}, Linux {machine.Kernel}, {machine.Runtime}; gateway code at {source}."));
        w.WriteLine(I($"- Far side: kinesalite {kinesaliteVersion} (node {machine.Node}), in memory, on the same machine. A fresh kinesalite per run, warmed up with {options.WarmUpRecords:N0} records; a fresh stream of {options.Shards} shards, read back over all shards afterwards. kinesalite never throttles, so the shard count only changes its own work."));
        w.WriteLine(I($"- Records: {options.Records:N0} readings per run from {options.Sensors} sensors (SCD30, DHT22, BME280), record schema v1 from `RecordSerializer`, {records.Min}–{records.Max} bytes (mean {records.Mean:F1}); partition key = the sensor (the default)."));
        w.WriteLine("- Raw: the records pre-built, 500 per PutRecords request written with `Utf8JsonWriter`, signed by `AwsSigningHandler` (fixed fake credentials), one `HttpClient`, one request in flight.");
        w.WriteLine("- Gateway: the readings appended to a `DiskJournal` and made durable before the clock starts; then `UplinkWorker` + `KinesisUplink` (MaxBatchRecords 500, BatchInterval 5 s and all else default), timed from the worker's start to the cursor's backlog 0.");
        w.WriteLine(I($"- {options.Runs} run(s) per phase, alternating (raw first in odd runs, gateway first in even ones), after one unreported warm-up run of each phase; cells are median (min–max). A run waits for the machine to be idle before it starts and is measured again (at most {KinesisBenchmark.MaxAttempts} times) if other processes kept more than {KinesisBenchmark.QuietCores} cores busy during it."));
        w.WriteLine("- CPU: this process by `Process.TotalProcessorTime`, kinesalite by utime+stime of `/proc/<pid>/stat`, other load = non-idle time of all cores (`/proc/stat`) less those two. \"In transport\" is from the signed request leaving the client to the whole answer in memory (kinesalite and the loopback); \"client\" is the rest of the wall time per request.");
        w.WriteLine();

        w.WriteLine("### Rate and CPU");
        w.WriteLine();
        w.WriteLine("| Phase | Records/s | Wall time, s | CPU ms per 1,000 records (this process) | Allocated bytes per record | kinesalite CPU ms per 1,000 records | kinesalite busy (its CPU / wall time) | Other load, cores |");
        w.WriteLine("|---|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var (name, runs) in Phases(raw, gateway))
            w.WriteLine(I($"| {name} | {S(runs, r => r.RecordsPerSecond, "N0")} | {S(runs, r => r.Cpu.Wall.TotalSeconds, "F2")} | {S(runs, r => r.CpuMsPerThousand, "F1")} | {S(runs, r => r.AllocatedBytesPerRecord, "N0")} | {S(runs, r => r.KinesaliteCpuMsPerThousand, "F1")} | {S(runs, r => r.KinesaliteBusy, "F3")} | {S(runs, r => r.Cpu.OtherCores, "F2")} |"));
        w.WriteLine();

        w.WriteLine("### Time per request (500 records)");
        w.WriteLine();
        w.WriteLine("| Phase | Requests | Records per request | In transport, mean ms | In transport, median ms | Client, mean ms per request | Client gap between two requests, median ms | Longest gap with nothing in flight, ms |");
        w.WriteLine("|---|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var (name, runs) in Phases(raw, gateway))
            w.WriteLine(I($"| {name} | {S(runs, r => r.Requests.Count, "N0")} | {S(runs, r => r.RecordsPerRequest, "F1")} | {S(runs, r => r.TransportMsPerRequest, "F2")} | {S(runs, r => r.MedianTransportMs, "F2")} | {S(runs, r => r.ClientMsPerRequest, "F2")} | {S(runs, r => r.MedianGapBetweenRequestsMs, "F2")} | {S(runs, r => r.LongestGapMs, "F0")} |"));
        w.WriteLine();

        w.WriteLine("### Every run");
        w.WriteLine();
        w.WriteLine("| Run | Phase | Records/s | Wall time, s | CPU ms per 1,000 | kinesalite CPU ms per 1,000 | Other load, cores | Attempts | Stored in the stream | Missing | Duplicates | Retried | Quarantined |");
        w.WriteLine("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var r in results)
        {
            var v = r.Verification!;
            var retried = r.Phase == Phase.Gateway ? r.Retried.ToString("N0", CultureInfo.InvariantCulture) : "-";
            var quarantined = r.Phase == Phase.Gateway ? r.Quarantined.ToString("N0", CultureInfo.InvariantCulture) : "-";
            var other = r.Disturbed ? I($"**{r.Cpu.OtherCores:F2}** (disturbed)") : I($"{r.Cpu.OtherCores:F2}");
            w.WriteLine(I($"| {r.Run} | {r.Phase} | {r.RecordsPerSecond:N0} | {r.Cpu.Wall.TotalSeconds:F2} | {r.CpuMsPerThousand:F1} | {r.KinesaliteCpuMsPerThousand:F1} | {other} | {r.Attempts} | {v.Stored:N0} | {v.Missing:N0} | {v.Duplicates:N0} | {retried} | {quarantined} |"));
        }
        w.WriteLine();

        WriteTarget(w, raw, gateway);
        if (profile is not null) WriteProfile(w, profile);
    }

    private static void WriteTarget(TextWriter w, List<RunResult> raw, List<RunResult> gateway)
    {
        w.WriteLine("### Against the target of issue 4");
        w.WriteLine();
        var invalid = raw.Concat(gateway).Where(r => r.Verification is not { Complete: true }).ToList();
        if (invalid.Count > 0)
            w.WriteLine(I($"- **INVALID**: {invalid.Count} run(s) did not leave every id in the stream; their rates mean nothing."));
        else
            w.WriteLine(I($"- Every run left all {raw[0].Records:N0} ids in the stream (read back over all shards)."));
        var rawRate = Spread.Of(raw.Select(r => r.RecordsPerSecond)).Median;
        var gatewayRate = Spread.Of(gateway.Select(r => r.RecordsPerSecond)).Median;
        var ratio = gatewayRate / rawRate;
        var pairs = gateway.Join(raw, g => g.Run, r => r.Run, (g, r) => g.RecordsPerSecond / r.RecordsPerSecond).ToList();
        w.WriteLine(I($"- Measured: gateway drain / raw loop, median rates {gatewayRate:N0} / {rawRate:N0} = **{ratio:F2}** (run by run: {string.Join(", ", pairs.Select(p => p.ToString("F2", CultureInfo.InvariantCulture)))}); target >= {TargetRatio}: **{(ratio >= TargetRatio ? "met" : "missed")}**."));

        // A request takes (far side) + (client). The far side's time is kinesalite's, and it
        // varies from one kinesalite to the next by more than the client's part; against the same
        // far-side time the ratio is what the two clients make of it.
        var farSide = raw.Concat(gateway).Average(r => r.TransportMsPerRequest);
        var rawClient = Spread.Of(raw.Select(r => r.ClientMsPerRequest)).Median;
        var gatewayClient = Spread.Of(gateway.Select(r => r.ClientMsPerRequest)).Median;
        var expected = (farSide + rawClient) / (farSide + gatewayClient);
        w.WriteLine(I($"- Against the same far-side time (kinesalite's mean over all runs, {farSide:F1} ms per request): ({farSide:F1} + {rawClient:F2} raw client ms) / ({farSide:F1} + {gatewayClient:F2} gateway client ms) = **{expected:F2}**; {(expected >= TargetRatio ? "met" : "missed")}. The gateway adds {gatewayClient - rawClient:F2} ms of client time per 500 records."));
        // kinesalite is the bottleneck: its speed cancels out of how busy each client kept it.
        var rawBusy = Spread.Of(raw.Select(r => r.KinesaliteBusy)).Median;
        var gatewayBusy = Spread.Of(gateway.Select(r => r.KinesaliteBusy)).Median;
        w.WriteLine(I($"- How busy each kept kinesalite (its CPU / wall time, median): gateway {gatewayBusy:F3} / raw {rawBusy:F3} = **{gatewayBusy / rawBusy:F2}**; {(gatewayBusy / rawBusy >= TargetRatio ? "met" : "missed")}."));
        var gatewayCpu = Spread.Of(gateway.Select(r => r.CpuMsPerThousand)).Median;
        var rawCpu = Spread.Of(raw.Select(r => r.CpuMsPerThousand)).Median;
        var kinesaliteCpu = Spread.Of(raw.Concat(gateway).Select(r => r.KinesaliteCpuMsPerThousand)).Median;
        w.WriteLine(I($"- CPU per 1,000 readings sent, median: gateway **{gatewayCpu:F1} ms**, raw loop {rawCpu:F1} ms ({gatewayCpu / rawCpu:F1}×), kinesalite {kinesaliteCpu:F1} ms (in neither of the other two)."));
        w.WriteLine();
    }

    private static void WriteProfile(TextWriter w, ProfileResult profile)
    {
        w.WriteLine("### Where the client time goes (--profile)");
        w.WriteLine();
        w.WriteLine("Both phases against a far side in this process that answers at once (`InstantKinesis`): all wall time is client time.");
        w.WriteLine();
        w.WriteLine("| Phase, instant far side | Records/s | Client ms per request (500 records) | CPU ms per 1,000 records | Allocated bytes per record |");
        w.WriteLine("|---|--:|--:|--:|--:|");
        var raw = profile.InstantRuns.Where(r => r.Phase == Phase.Raw).ToList();
        var gateway = profile.InstantRuns.Where(r => r.Phase == Phase.Gateway).ToList();
        List<(string, List<RunResult>)> rows = [.. Phases(raw, gateway)];
        if (profile.TmpfsRuns.Count > 0) rows.Add(("Gateway drain, data directory on tmpfs (fsync free)", [.. profile.TmpfsRuns]));
        foreach (var (name, runs) in rows)
            w.WriteLine(I($"| {name} | {S(runs, r => r.RecordsPerSecond, "N0")} | {S(runs, r => r.ClientMsPerRequest, "F2")} | {S(runs, r => r.CpuMsPerThousand, "F1")} | {S(runs, r => r.AllocatedBytesPerRecord, "N0")} |"));
        w.WriteLine();
        if (profile.TmpfsRuns.Count > 0)
        {
            var disk = Spread.Of(gateway.Select(r => r.ClientMsPerRequest)).Median;
            var memory = Spread.Of(profile.TmpfsRuns.Select(r => r.ClientMsPerRequest)).Median;
            w.WriteLine(I($"The disk's share of the gateway's client time (cursor file written and fsynced with its directory on every Ack, segments deleted): {disk:F2} - {memory:F2} = **{disk - memory:F2} ms per request**."));
            w.WriteLine();
        }
        w.WriteLine("The gateway's steps per batch of 500, timed one by one over a journal holding the same backlog (same order as the worker: read, sizes, send, acknowledge). Timed alone, outside the worker, they run slower than inside the drain (a cold loop of their own, an fsync timed at another moment); read them as proportions:");
        w.WriteLine();
        w.WriteLine("| Step | Median µs | Mean µs |");
        w.WriteLine("|---|--:|--:|");
        foreach (var step in profile.Steps) w.WriteLine(I($"| {step.Name} | {step.MedianMicroseconds:N0} | {step.MeanMicroseconds:N0} |"));
        var sum = profile.Steps.Sum(s => s.MeanMicroseconds);
        var perRequest = Spread.Of(gateway.Select(r => r.ClientMsPerRequest)).Median * 1000;
        w.WriteLine(I($"| Sum of the steps | | {sum:N0} |"));
        w.WriteLine(I($"| For comparison: the instant drain's whole client time per request (the worker around the steps included) | | {perRequest:N0} |"));
        var rawPerRequest = Spread.Of(raw.Select(r => r.ClientMsPerRequest)).Median * 1000;
        w.WriteLine(I($"| For comparison: the raw loop's whole request (body, SigV4, HttpClient, answer), instant far side | | {rawPerRequest:N0} |"));
        w.WriteLine();
    }

    private static (string Name, List<RunResult> Runs)[] Phases(List<RunResult> raw, List<RunResult> gateway) =>
        [("Raw PutRecords loop", raw), ("Gateway drain", gateway)];

    private static string S(IEnumerable<RunResult> runs, Func<RunResult, double> value, string format) => Spread.Of(runs.Select(value)).Format(format);

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
