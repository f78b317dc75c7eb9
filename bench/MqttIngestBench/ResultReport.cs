using System.Globalization;

namespace FarmGateway.MqttIngestBench;

internal sealed record ReportContext(BenchOptions Options, MachineInfo Machine, string BrokerVersion, string Source, string FileSystem);

/// <summary>The Markdown report: how it was measured, both phases side by side, the gateway's memory, every run, and issue 6's target.</summary>
internal static class ResultReport
{
    public const double TargetRatio = 0.8;

    public static void Write(TextWriter w, ReportContext context, IReadOnlyList<PhaseResult> results)
    {
        var (options, machine, brokerVersion, source, fileSystem) = context;
        var sub = results.Where(r => r.Phase == Phase.Subscriber).ToList();
        var gateway = results.Where(r => r.Phase == Phase.Gateway).ToList();

        w.WriteLine(options.Backlog ? "## MQTT ingest results (backlog mode)" : "## MQTT ingest results");
        w.WriteLine();
        w.WriteLine(I($"- Machine: {machine.Cores} cores (`nproc`), {machine.Architecture}, {machine.Cpu}, Linux {machine.Kernel}, {machine.Runtime}; gateway code at {source}."));
        w.WriteLine(I($"- Broker: {brokerVersion} on 127.0.0.1, a fresh one per phase: persistence off, max_inflight_messages **{options.MaxInflight}**{(options.MaxInflight == 20 ? " (mosquitto's default)" : "")}, max_queued_messages {options.MaxQueued:N0}, all else default."));
        w.WriteLine(I($"- Load: {options.Publishers} × `mosquitto_pub -q 1 -l` at once, {options.MessagesPerPublisher:N0} lines each from a file (`{{\"temperature\":12.345,\"humidity\":60}}`, 35–36 bytes) to `esp/node<n>/sensor`: {options.Messages:N0} measured messages per phase; before them {options.WarmUpMessages:N0} warm-up messages the same way, not measured."));
        w.WriteLine("- mosquitto_sub: `mosquitto_sub -q 1 -c -i bench-sub -t 'esp/+/sensor'` (its persistent session subscribed first with `-E`); counted by the newlines on its standard output.");
        w.WriteLine(I($"- Gateway: `dotnet FarmGateway.dll` (Release, this build) with MQTT ingest of `esp/+/sensor` (sensor = topic level 2), sensors off, the file uplink on (the default), data directory on {fileSystem}; counted by the complete NDJSON lines in its outbox (polled every 5 ms): the file uplink reads only durable journal records, so the count is the gateway's durable rate."));
        w.WriteLine(options.Backlog
            ? "- **Backlog mode** (`--backlog`): the sink was paused with SIGSTOP while the publishers sent everything (the broker queued it for the sink's session), then continued with SIGCONT. Rate = measured messages / time from SIGCONT to the sink holding all of them: how fast the broker can hand its queue to that sink, max_inflight_messages at a time. Publishers are not running then (their CPU and \"done\" time show as 0)."
            : "- Rate = measured messages / time from starting the publishers to the sink holding all of them. Publishers done = when the last mosquitto_pub exited (the broker had acknowledged everything it sent).");
        w.WriteLine(I($"- {options.Runs} run(s), each both phases on a fresh broker (mosquitto_sub first in odd runs, the gateway in even ones); cells are median (min–max). Each phase waits for the machine to be idle (below {IngestBenchmark.QuietCores} cores busy) before its load."));
        w.WriteLine("- CPU: utime+stime from `/proc/<pid>/stat` for the sink (mosquitto_sub or the gateway) and mosquitto; the publishers' from this process's cutime+cstime once they exited; other load = all cores' non-idle time (`/proc/stat`) less those, in cores (this process's counting included).");
        w.WriteLine(I($"- Gateway RSS: VmRSS from `/proc/<pid>/status` {options.IdleSettle.TotalSeconds:F0} s after it subscribed (idle, before any message), sampled every 100 ms during the measured load (peak), VmHWM at the end of the load (peak since start, warm-up included), and 5 s after the load."));
        w.WriteLine();

        w.WriteLine("### Rate and CPU");
        w.WriteLine();
        w.WriteLine("| Phase | Messages/s | Wall time, s | Publishers done, s | Sink CPU ms per 1,000 | mosquitto CPU ms per 1,000 | mosquitto busy (CPU / wall) | Publishers CPU ms per 1,000 | Other load, cores |");
        w.WriteLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var (name, runs) in Phases(sub, gateway))
            w.WriteLine(I($"| {name} | {S(runs, r => r.Rate, "N0")} | {S(runs, r => r.Wall.TotalSeconds, "F2")} | {S(runs, r => r.PublishersDone.TotalSeconds, "F2")} | {S(runs, r => r.SinkCpuMsPerThousand, "F1")} | {S(runs, r => r.BrokerCpuMsPerThousand, "F1")} | {S(runs, r => r.BrokerBusy, "F2")} | {S(runs, r => r.PublishersCpuMsPerThousand, "F1")} | {S(runs, r => r.OtherCores, "F2")} |"));
        w.WriteLine();

        if (gateway.Count > 0)
        {
            w.WriteLine("### Gateway memory (RSS)");
            w.WriteLine();
            w.WriteLine("| Idle after start, MB | Peak during the load (100 ms samples), MB | VmHWM at the end of the load, MB | Idle 5 s after the load, MB |");
            w.WriteLine("|--:|--:|--:|--:|");
            w.WriteLine(I($"| {S(gateway, r => Mb(r.Memory!.IdleAfterStart), "F1")} | {S(gateway, r => Mb(r.Memory!.PeakSampled), "F1")} | {S(gateway, r => Mb(r.Memory!.HighWaterMark), "F1")} | {S(gateway, r => Mb(r.Memory!.IdleAfterLoad), "F1")} |"));
            w.WriteLine();
            w.WriteLine("MB = 2^20 bytes.");
            w.WriteLine();
        }

        w.WriteLine("### Every run");
        w.WriteLine();
        w.WriteLine("| Run | Phase | Messages/s | Wall time, s | Publishers done, s | Sink CPU ms per 1,000 | mosquitto CPU ms per 1,000 | Other load, cores | Received | Missing | Duplicates | RSS idle / peak, MB |");
        w.WriteLine("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var r in results)
        {
            var other = r.Quiet ? I($"{r.OtherCores:F2}") : I($"**{r.OtherCores:F2}** (not quiet)");
            var rss = r.Memory is { } m ? I($"{Mb(m.IdleAfterStart):F1} / {Mb(m.PeakSampled):F1}") : "-";
            w.WriteLine(I($"| {r.Run} | {Name(r.Phase)} | {r.Rate:N0} | {r.Wall.TotalSeconds:F2} | {r.PublishersDone.TotalSeconds:F2} | {r.SinkCpuMsPerThousand:F1} | {r.BrokerCpuMsPerThousand:F1} | {other} | {r.Check.Received:N0} | {r.Check.Missing:N0} | {r.Check.Duplicates:N0} | {rss} |"));
        }
        w.WriteLine();

        if (sub.Count == 0 || gateway.Count == 0) return;
        w.WriteLine("### Against the target of issue 6");
        w.WriteLine();
        var subRate = Spread.Of(sub.Select(r => r.Rate)).Median;
        var gatewayRate = Spread.Of(gateway.Select(r => r.Rate)).Median;
        var ratio = gatewayRate / subRate;
        var byRun = sub.Join(gateway, s => s.Run, g => g.Run, (s, g) => (g.Rate / s.Rate).ToString("F2", CultureInfo.InvariantCulture));
        var lost = results.Where(r => !r.Check.Complete).ToList();
        w.WriteLine(lost.Count == 0
            ? "- Every measured message arrived in every phase (the gateway's outbox checked message by message)."
            : I($"- **{lost.Count} phase(s) lost messages**: the runs are invalid."));
        w.WriteLine(I($"- Gateway / mosquitto_sub, median rates {gatewayRate:N0} / {subRate:N0} = **{ratio:F2}** (run by run: {string.Join(", ", byRun)}); target >= {TargetRatio}: **{(ratio >= TargetRatio ? "met" : "missed")}**."));
        w.WriteLine(I($"- Gateway CPU per 1,000 messages: {Spread.Of(gateway.Select(r => r.SinkCpuMsPerThousand)).Median:F1} ms (mosquitto_sub: {Spread.Of(sub.Select(r => r.SinkCpuMsPerThousand)).Median:F1} ms)."));
        w.WriteLine(I($"- Gateway RSS: idle {Spread.Of(gateway.Select(r => Mb(r.Memory!.IdleAfterStart))).Median:F1} MB, peak at this load {Spread.Of(gateway.Select(r => Mb(r.Memory!.PeakSampled))).Median:F1} MB."));
    }

    private static double Mb(long bytes) => bytes / 1048576.0;

    private static string Name(Phase phase) => phase == Phase.Subscriber ? "mosquitto_sub" : "Gateway";

    private static IEnumerable<(string, List<PhaseResult>)> Phases(List<PhaseResult> sub, List<PhaseResult> gateway)
    {
        if (sub.Count > 0) yield return ("mosquitto_sub", sub);
        if (gateway.Count > 0) yield return ("Gateway", gateway);
    }

    private static string S(IEnumerable<PhaseResult> runs, Func<PhaseResult, double> value, string format) => Spread.Of(runs.Select(value)).Format(format);

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
