using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FarmGateway.Bench;
using FarmGateway.Testing;

namespace FarmGateway.MqttIngestBench;

/// <summary>The runs: per run both phases on a fresh broker each, alternating which goes first.</summary>
internal static class IngestBenchmark
{
    public const double QuietCores = 0.25;
    private const string Filter = "esp/+/sensor";
    private const string SubscriberId = "bench-sub";
    private const string GatewayId = "bench";
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan GatewayStartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SettleAfterLoad = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(BenchOptions options, TextWriter output, TextWriter progress)
    {
        var gatewayDll = Path.Combine(AppContext.BaseDirectory, "FarmGateway.dll");
        if (!File.Exists(gatewayDll))
        {
            progress.WriteLine($"{gatewayDll} is missing: build the benchmark project (it references src/Gateway).");
            return 2;
        }
        Directory.CreateDirectory(options.BaseDirectory);
        var context = new ReportContext(options, MachineInfo.Read(), await Broker.VersionAsync(), SourceVersion.Describe(MachineInfo.RepositoryRoot()),
            FileSystemOf(options.BaseDirectory));
        progress.WriteLine($"MQTT ingest benchmark: {options.Runs} run(s) x 2 phases, {options.Messages:N0} messages from {options.Publishers} publishers, " +
                           $"max_inflight_messages {options.MaxInflight}, data under {options.BaseDirectory} ({context.FileSystem}).");

        var results = new List<PhaseResult>();
        for (var run = 1; run <= options.Runs; run++)
        {
            Phase[] order = run % 2 == 1 ? [Phase.Subscriber, Phase.Gateway] : [Phase.Gateway, Phase.Subscriber];
            foreach (var phase in order)
            {
                var result = await RunPhaseAsync(run, phase, options, gatewayDll, progress);
                results.Add(result);
                var rss = result.Memory is { } m ? FormattableString.Invariant($", RSS idle {Mb(m.IdleAfterStart)} peak {Mb(m.PeakSampled)} MB") : "";
                progress.WriteLine(FormattableString.Invariant(
                    $"  run {run} {phase}: {result.Rate:N0} messages/s ({result.Wall.TotalSeconds:F2} s; publishers done after {result.PublishersDone.TotalSeconds:F2} s), sink CPU {result.SinkCpuMsPerThousand:F1} ms/1000, broker {result.BrokerCpuMsPerThousand:F1} ms/1000, missing {result.Check.Missing}, duplicates {result.Check.Duplicates}{rss}"));
            }
        }
        ResultReport.Write(output, context, results);
        return results.All(r => r.Check.Complete) ? 0 : 1;
    }

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture);

    private static async Task<PhaseResult> RunPhaseAsync(int run, Phase phase, BenchOptions options, string gatewayDll, TextWriter progress)
    {
        var directory = Path.Combine(options.BaseDirectory, $"mqtt-ingest-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var children = new List<ChildProcess>();
        OutboxSink? outbox = null;
        try
        {
            var warmFiles = WritePayloads(directory, "warm", options.WarmUpMessages / options.Publishers, options.Publishers);
            var loadFiles = WritePayloads(directory, "load", options.MessagesPerPublisher, options.Publishers);
            var broker = await Broker.StartAsync(directory, options);
            await using var _ = broker;

            Sink sink;
            ChildProcess sinkProcess;
            if (phase == Phase.Subscriber)
            {
                // The persistent session and its subscription exist before anything is published,
                // so the real subscriber misses nothing however long it takes to connect.
                List<string> subscribe = ["-h", "127.0.0.1", "-p", Port(broker.Port), "-q", "1", "-c", "-i", SubscriberId, "-t", Filter];
                await using (var setup = ChildProcess.Start("mosquitto_sub", [.. subscribe, "-E"], guard: false))
                {
                    if (!await setup.WaitForExitAsync(TimeSpan.FromSeconds(10)) || setup.ExitCode != 0)
                        throw new InvalidOperationException($"mosquitto_sub -E did not subscribe: {setup.Output}\n{broker.Log}");
                }
                var lines = new StdoutLineSink();
                sinkProcess = ChildProcess.Start("mosquitto_sub", subscribe, rawOutput: lines.ReadAsync);
                children.Add(sinkProcess);
                sink = lines;
            }
            else
            {
                var data = Path.Combine(directory, "data");
                sinkProcess = StartGateway(gatewayDll, data, broker.Port);
                children.Add(sinkProcess);
                var deadline = Stopwatch.GetTimestamp() + (long)(GatewayStartTimeout.TotalSeconds * Stopwatch.Frequency);
                while (!sinkProcess.Lines.Any(l => l.Contains("MQTT ingest subscribed", StringComparison.Ordinal)))
                {
                    if (sinkProcess.HasExited || Stopwatch.GetTimestamp() > deadline)
                        throw new InvalidOperationException($"the gateway did not subscribe: {sinkProcess.Output}\n{broker.Log}");
                    await Task.Delay(50);
                }
                outbox = new OutboxSink(Path.Combine(data, "outbox"));
                outbox.Start();
                sink = outbox;
            }
            string Diagnostics() => $"{sinkProcess.Output}\n--- mosquitto.log\n{broker.Log}";

            long idleRss = 0;
            if (phase == Phase.Gateway)
            {
                await Task.Delay(options.IdleSettle);
                idleRss = ProcStat.Memory(sinkProcess.Id)?.Rss ?? 0;
            }

            if (options.WarmUpMessages > 0)
            {
                var warm = StartPublishers(warmFiles, broker.Port, "warm");
                children.AddRange(warm.Select(p => p.Process));
                await sink.ReachedAsync(options.WarmUpMessages, Stall, Diagnostics);
                await Task.WhenAll(warm.Select(p => p.Exited));
            }
            await Task.Delay(TimeSpan.FromSeconds(1));
            var quiet = options.QuietPatience <= TimeSpan.Zero || ProcStat.WaitForQuiet(QuietCores, options.QuietPatience);
            if (!quiet) progress.WriteLine($"  (run {run} {phase}: the machine did not get quiet; measuring anyway)");

            var total = options.WarmUpMessages + options.Messages;
            List<(ChildProcess Process, Task<long> Exited)> publishers = [];
            if (options.Backlog)
            {
                // The broker queues everything for the paused sink (only max_inflight_messages go out to its socket).
                await SignalAsync(sinkProcess.Id, "STOP");
                publishers = StartPublishers(loadFiles, broker.Port, "node");
                children.AddRange(publishers.Select(p => p.Process));
                await Task.WhenAll(publishers.Select(p => p.Exited));
            }
            var sinkCpu0 = ProcStat.CpuTime(sinkProcess.Id);
            var brokerCpu0 = broker.CpuTime();
            var reaped0 = ProcStat.ReapedChildrenCpuTime();
            var machine0 = ProcStat.Machine();
            using var sampler = phase == Phase.Gateway ? new RssSampler(sinkProcess.Id) : null;
            var start = Stopwatch.GetTimestamp();
            if (options.Backlog)
            {
                await SignalAsync(sinkProcess.Id, "CONT");
            }
            else
            {
                publishers = StartPublishers(loadFiles, broker.Port, "node");
                children.AddRange(publishers.Select(p => p.Process));
            }
            var end = await sink.ReachedAsync(total, Stall, Diagnostics);
            var publishersEnd = options.Backlog ? start : (await Task.WhenAll(publishers.Select(p => p.Exited))).Max();
            var sinkCpu = ProcStat.CpuTime(sinkProcess.Id) - sinkCpu0;
            var brokerCpu = broker.CpuTime() - brokerCpu0;
            var machine1 = ProcStat.Machine();
            var publishersCpu = ProcStat.ReapedChildrenCpuTime() - reaped0;
            var measuredEnd = Stopwatch.GetTimestamp();
            var hwm = ProcStat.Memory(sinkProcess.Id)?.Peak ?? 0;
            sampler?.Stop();
            foreach (var publisher in publishers.Where(p => p.Process.ExitCode != 0))
                throw new InvalidOperationException($"{publisher.Process.Name} exited with {publisher.Process.ExitCode}: {publisher.Process.Output}");

            var machineBusy = machine1.Busy - machine0.Busy;
            var window = Stopwatch.GetElapsedTime(start, measuredEnd);
            // This process (the counting) is part of "other": it is there in both phases.
            var otherCores = Math.Max(0, (machineBusy - sinkCpu - brokerCpu - publishersCpu) / window);

            GatewayMemory? memory = null;
            Delivery check;
            if (phase == Phase.Gateway)
            {
                await Task.Delay(SettleAfterLoad);
                var idleAfter = ProcStat.Memory(sinkProcess.Id)?.Rss ?? 0;
                memory = new GatewayMemory(idleRss, sampler!.Peak, hwm, idleAfter, sampler.Samples);
                if (!await sinkProcess.TerminateAsync(TimeSpan.FromSeconds(30)))
                    progress.WriteLine($"  (run {run}: the gateway did not stop within 30 s of SIGTERM and was killed)");
                else if (sinkProcess.ExitCode != 0)
                    progress.WriteLine($"  (run {run}: the gateway exited with {sinkProcess.ExitCode}: {string.Join('\n', sinkProcess.Lines.TakeLast(20))})");
                check = CheckOutbox(Path.Combine(directory, "data", "outbox"), options);
            }
            else
            {
                await Task.Delay(TimeSpan.FromSeconds(1)); // anything sent twice would show up by now
                var extra = (int)(sink.Count - total);
                check = new Delivery((int)Math.Min(sink.Count - options.WarmUpMessages, options.Messages), (int)Math.Max(0, total - sink.Count), Math.Max(0, extra));
            }

            return new PhaseResult(run, phase, options.Messages, Stopwatch.GetElapsedTime(start, end), Stopwatch.GetElapsedTime(start, publishersEnd),
                sinkCpu, brokerCpu, publishersCpu, otherCores, quiet, memory, check);
        }
        finally
        {
            outbox?.Dispose();
            foreach (var child in children) await child.DisposeAsync();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException e)
            {
                progress.WriteLine($"  (could not delete {directory}: {e.Message})");
            }
        }
    }

    /// <summary>The gateway as systemd would run it, configured on the command line only: MQTT ingest on, sensors off, the file uplink (the default) on.</summary>
    private static ChildProcess StartGateway(string gatewayDll, string dataDirectory, int port) =>
        ChildProcess.Start("env", [
            "--default-signal=INT,TERM", "dotnet", gatewayDll,
            $"--Gateway:DataDirectory={dataDirectory}",
            $"--Gateway:Id={GatewayId}",
            "--Gateway:Sensors:0:Enabled=false",
            "--Gateway:Sensors:1:Enabled=false",
            "--Gateway:Mqtt:Broker:Host=127.0.0.1",
            $"--Gateway:Mqtt:Broker:Port={Port(port)}",
            $"--Gateway:Mqtt:Ingest:0:Topic={Filter}",
            "--Gateway:Mqtt:Ingest:0:SensorFromTopicLevel=2",
            "--Gateway:Mqtt:Ingest:0:Model=ESP32",
            // One outbox file for the whole run (the default rolls at 16 MiB); an hourly roll may still happen.
            "--Gateway:Uplinks:File:MaxFileBytes=1073741824",
        ], workingDirectory: AppContext.BaseDirectory, keepLines: 300, configure: info =>
        {
            foreach (var name in (string[])["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "FARM_GATEWAY_CONFIG", "STATE_DIRECTORY"])
                info.Environment.Remove(name);
            foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("Gateway__", StringComparison.OrdinalIgnoreCase)).ToList())
                info.Environment.Remove(name);
        });

    /// <summary>One file per publisher: line k is {"temperature":k/1000,"humidity":60}, so a record says which message it was.</summary>
    private static string[] WritePayloads(string directory, string name, int perPublisher, int publishers)
    {
        var files = new string[publishers];
        for (var p = 0; p < publishers; p++)
        {
            var text = new StringBuilder(perPublisher * 40);
            for (var k = 0; k < perPublisher; k++)
                text.Append(CultureInfo.InvariantCulture, $"{{\"temperature\":{k / 1000.0:0.000},\"humidity\":60}}\n");
            files[p] = Path.Combine(directory, $"{name}-{p}.txt");
            File.WriteAllText(files[p], text.ToString());
        }
        return files;
    }

    /// <summary>
    /// mosquitto_pub -q 1 -l per file (stdin redirected from the file by the shell, which then
    /// becomes mosquitto_pub), publishing to esp/&lt;prefix&gt;&lt;n&gt;/sensor; each exits once the
    /// broker has acknowledged every line. Exited completes with the timestamp of its exit.
    /// </summary>
    private static List<(ChildProcess Process, Task<long> Exited)> StartPublishers(string[] files, int port, string prefix)
    {
        var publisher = ChildProcess.Resolve("mosquitto_pub");
        return [.. files.Select((file, p) =>
        {
            var child = ChildProcess.Start("/bin/sh", [
                "-c", "f=$1; shift; exec \"$@\" < \"$f\"", "publisher", file,
                publisher, "-h", "127.0.0.1", "-p", Port(port), "-q", "1", "-l", "-i", $"pub-{prefix}{p}", "-t", $"esp/{prefix}{p}/sensor",
            ]);
            return (child, ExitedAsync(child));
        })];
    }

    private static async Task SignalAsync(int pid, string signal)
    {
        await using var kill = ChildProcess.Start("kill", [$"-{signal}", Port(pid)], guard: false);
        if (!await kill.WaitForExitAsync(TimeSpan.FromSeconds(10)) || kill.ExitCode != 0)
            throw new InvalidOperationException($"kill -{signal} {pid} failed: {kill.Output}");
    }

    private static async Task<long> ExitedAsync(ChildProcess child)
    {
        if (!await child.WaitForExitAsync(TimeSpan.FromMinutes(30))) throw new TimeoutException($"{child.Name} did not exit");
        return Stopwatch.GetTimestamp();
    }

    /// <summary>Every measured (sensor, message) in the outbox: which are missing, which came twice.</summary>
    private static Delivery CheckOutbox(string outbox, BenchOptions options)
    {
        var seen = new Dictionary<(string Sensor, int Message), int>();
        foreach (var file in Directory.Exists(outbox) ? Directory.GetFiles(outbox) : [])
        {
            foreach (var line in File.ReadLines(file))
            {
                if (!line.EndsWith('}')) continue;
                using var record = JsonDocument.Parse(line);
                var sensor = record.RootElement.GetProperty("sensor").GetString() ?? "";
                if (!sensor.StartsWith("node", StringComparison.Ordinal)) continue; // the warm-up
                var key = (sensor, (int)Math.Round(record.RootElement.GetProperty("temperature").GetDouble() * 1000));
                seen[key] = seen.GetValueOrDefault(key) + 1;
            }
        }
        var expected = Enumerable.Range(0, options.Publishers)
            .SelectMany(p => Enumerable.Range(0, options.MessagesPerPublisher).Select(k => ($"node{p}", k))).ToList();
        var missing = expected.Count(e => !seen.ContainsKey(e));
        return new Delivery(expected.Count - missing, missing, seen.Values.Sum(c => c - 1));
    }

    private static string FileSystemOf(string path)
    {
        var full = Path.GetFullPath(path);
        var mounts = File.Exists("/proc/mounts") ? File.ReadAllLines("/proc/mounts") : [];
        var best = mounts.Select(l => l.Split(' ')).Where(f => f.Length > 2 && (full == f[1] || full.StartsWith(f[1].TrimEnd('/') + "/", StringComparison.Ordinal)))
            .MaxBy(f => f[1].Length);
        return best is null ? "unknown" : $"{best[2]} on {best[0]} (mount point {best[1]})";
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The gateway's VmRSS every 100 ms while the load runs.</summary>
internal sealed class RssSampler : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RssSampler(int pid)
    {
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            do
            {
                if (ProcStat.Memory(pid) is { } memory)
                {
                    Peak = Math.Max(Peak, memory.Rss);
                    Samples++;
                }
            }
            while (await timer.WaitForNextTickAsync(_stop.Token).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default));
        });
    }

    public long Peak { get; private set; }

    public int Samples { get; private set; }

    public void Stop()
    {
        _stop.Cancel();
        _loop.Wait();
    }

    public void Dispose()
    {
        if (!_stop.IsCancellationRequested) Stop();
        _stop.Dispose();
    }
}
