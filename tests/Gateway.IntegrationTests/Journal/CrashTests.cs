using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FarmGateway.IntegrationTests.Testing;
using Xunit.Abstractions;

namespace FarmGateway.IntegrationTests.Journal;

/// <summary>
/// Issue 3's crash proof: the real gateway with four fast simulated sensors is killed with
/// SIGKILL at random moments (during start-up and recovery, right after a durable point, or at a
/// random time) and restarted, again and again; then it runs once more and is stopped cleanly.
/// Afterwards every reading any run reported durable ("Journal durable through epoch:sequence",
/// event 3013) is in the File uplink's outbox, no line is torn, every record is schema-valid, and
/// a record delivered twice is the same bytes under the same id.
/// </summary>
/// <remarks>
/// Only SIGKILL is simulated: the kernel keeps what the process wrote, so this proves the
/// process side (framing, group commit, cursors, recovery, outbox completion), not the disk's
/// handling of a power cut (the corruption tests in Gateway.Tests cover torn and zeroed tails).
/// The seed is fixed so a failure repeats; set CRASH_TEST_SEED to explore other schedules.
/// </remarks>
public sealed partial class CrashTests(ITestOutputHelper output) : IDisposable
{
    private const string GatewayId = "crash-barn";
    private const int KillCycles = 30;
    private const int DefaultSeed = 20261123;
    private const string DefaultFlush = "00:00:01";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string DataDirectory => _dir.Combine("data");
    private string Outbox => _dir.Combine("data", "outbox");

    private enum KillPlan
    {
        /// <summary>0-200 ms after the "starting" line: journal open, recovery, outbox recovery, cursor open.</summary>
        StartUp,
        /// <summary>0-120 ms after the run's first durable point: the uplink is sending and acknowledging.</summary>
        AfterDurable,
        /// <summary>A random time after the process started.</summary>
        Timed,
    }

    private sealed record Run(int Number, string Plan, string FlushInterval, int? KillAfterMs, IReadOnlyList<DurablePoint> Durable, string Stdout)
    {
        public DurablePoint? Last => Durable.Count > 0 ? Durable[^1] : null;

        public override string ToString() =>
            $"run {Number} ({Plan}, FlushInterval {FlushInterval}, "
            + (KillAfterMs is { } ms ? $"SIGKILL after {ms} ms" : "stopped with SIGTERM")
            + (Last is { } last ? $", last reported durable {last}" : ", reported nothing durable") + ")";
    }

    private readonly record struct DurablePoint(string Epoch, long Sequence)
    {
        public string Id => $"{GatewayId}:{Epoch}:{Sequence.ToString("D12", CultureInfo.InvariantCulture)}";
        public override string ToString() => $"{Epoch}:{Sequence}";
    }

    private string[] Args(string flushInterval) =>
    [
        $"--Gateway:DataDirectory={DataDirectory}",
        $"--Gateway:Id={GatewayId}",
        "--Gateway:Sensors:0:Interval=00:00:00.010",
        "--Gateway:Sensors:1:Interval=00:00:00.010",
        "--Gateway:Sensors:2:Name=sim-3",
        "--Gateway:Sensors:2:Type=Simulated",
        "--Gateway:Sensors:2:Interval=00:00:00.010",
        "--Gateway:Sensors:3:Name=sim-4",
        "--Gateway:Sensors:3:Type=Simulated",
        "--Gateway:Sensors:3:Profile=Scd30",
        "--Gateway:Sensors:3:Interval=00:00:00.010",
        // Small segments and outbox files, so kills also land in segment rolls, segment
        // deletion after acks and outbox rotation, not only in plain appends.
        "--Gateway:Journal:SegmentBytes=65536",
        "--Gateway:Uplinks:File:MaxFileBytes=65536",
        "--Serilog:MinimumLevel:Override:FarmGateway.Journal=Debug",
        .. flushInterval == DefaultFlush ? Array.Empty<string>() : [$"--Gateway:Journal:FlushInterval={flushInterval}"],
    ];

    [Fact]
    public async Task SigkillAtRandomMoments_EveryReadingReportedDurableIsDeliveredOnce_DuplicatesCarryTheSameId()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CRASH_TEST_SEED"), CultureInfo.InvariantCulture, out var s) ? s : DefaultSeed;
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        var runs = new List<Run>();

        for (var number = 1; number <= KillCycles; number++)
        {
            // Group commit every 100 ms, every second (the default) and fsync per append.
            var flush = (number % 3) switch { 1 => "00:00:00.100", 2 => DefaultFlush, _ => "00:00:00" };
            var plan = random.Next(10) switch { < 2 => KillPlan.StartUp, < 4 => KillPlan.AfterDurable, _ => KillPlan.Timed };
            runs.Add(await KillRunAsync(number, plan, flush, random));
        }

        foreach (var run in runs) output.WriteLine("  " + run);
        AssertDurablePointsReported(runs);

        var final = await FinalRunAsync(runs.Count + 1, runs.Max(r => r.Last?.Sequence ?? -1));
        runs.Add(final);
        output.WriteLine("  " + final);
        clock.Stop();
        output.WriteLine($"seed {seed}; {KillCycles} SIGKILL cycles + 1 clean stop in {clock.Elapsed.TotalSeconds:F1} s");

        AssertNoErrorsLogged(runs);
        AssertDurablePointsOnlyIncrease(runs);
        var outbox = ReadOutbox();
        AssertEveryDurableReadingDelivered(runs, outbox);
        AssertSequencesNotReused(outbox);

        var logs = string.Concat(runs.Select(r => r.Stdout));
        output.WriteLine(
            $"records: {outbox.Lines} lines in {outbox.Files} file(s), {outbox.ById.Count} distinct ids, "
            + $"{outbox.Lines - outbox.ById.Count} duplicate line(s), epochs {string.Join(", ", outbox.Epochs)}; "
            + $"durable points: {runs.Sum(r => r.Durable.Count)} reported by {runs.Count(r => r.Durable.Count > 0)} of {runs.Count} runs, "
            + $"highest sequence {runs.Max(r => r.Last?.Sequence ?? -1)}; "
            + $"recoveries: {Count(logs, "Outbox recovery after an unclean stop")} outbox, "
            + $"{Count(logs, "Journal recovery cut")} journal tail cut(s), {Count(logs, "Journal started epoch")} new epoch(s), "
            + $"{Count(logs, "quarantined")} quarantine(s), {Count(logs, "Journal cursor")} cursor repair(s)");
    }

    private async Task<Run> KillRunAsync(int number, KillPlan plan, string flush, Random random)
    {
        // Drawn up front so the schedule depends only on the seed, not on how fast a run went.
        var delay = plan switch
        {
            KillPlan.StartUp => random.Next(0, 200),
            KillPlan.AfterDurable => random.Next(0, 120),
            _ => flush == DefaultFlush ? random.Next(800, 2500) : random.Next(300, 1500),
        };
        using var gateway = GatewayProcess.Start(Args(flush));
        var started = Stopwatch.StartNew();
        var marker = plan switch
        {
            KillPlan.StartUp => $"Gateway {GatewayId} starting",
            KillPlan.AfterDurable => "Journal durable through",
            _ => null,
        };
        if (marker is not null)
            await Eventually.True(() => gateway.Stdout.Contains(marker, StringComparison.Ordinal) || gateway.HasExited,
                $"run {number}: \"{marker}\" in the log"
                + (plan == KillPlan.AfterDurable ? " (event 3013 at Debug: does --Serilog:MinimumLevel:Override:FarmGateway.Journal=Debug reach the console?)" : ""),
                TimeSpan.FromSeconds(15), () => gateway.Stdout + gateway.Stderr);
        await Task.Delay(delay);
        var killedAfter = (int)started.ElapsedMilliseconds;
        Assert.False(gateway.HasExited, $"run {number} ({plan}) exited on its own before the kill.\nstdout:\n{gateway.Stdout}\nstderr:\n{gateway.Stderr}");
        gateway.Kill();
        var exitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exitCode == 137, $"run {number}: exit code {exitCode}, expected 137 (SIGKILL).\nstdout:\n{gateway.Stdout}");
        Assert.True(gateway.Stderr.Length == 0, $"run {number} wrote to stderr:\n{gateway.Stderr}");
        var label = plan switch
        {
            KillPlan.StartUp => $"killed {delay} ms after \"starting\"",
            KillPlan.AfterDurable => $"killed {delay} ms after the first durable point",
            _ => "killed at a random time",
        };
        return new Run(number, label, flush, killedAfter, DurablePoints(gateway.Stdout), gateway.Stdout);
    }

    /// <summary>
    /// Runs until the outbox holds every sequence reported durable so far and this run reported
    /// its own, then SIGTERM. If it never catches up, it is stopped after 30 s anyway and the
    /// assertions afterwards name what is missing and which run reported it.
    /// </summary>
    private async Task<Run> FinalRunAsync(int number, long maxKilled)
    {
        using var gateway = GatewayProcess.Start(Args("00:00:00.100"));
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var delivered = DeliveredSequencesSoFar();
            var missing = maxKilled + 1 - delivered.Count(q => q <= maxKilled);
            if (DurablePoints(gateway.Stdout).Count > 0 && missing == 0)
            {
                output.WriteLine($"final run: outbox caught up after {waited.ElapsedMilliseconds} ms");
                break;
            }
            Assert.False(gateway.HasExited, $"run {number} (final) exited before the outbox caught up.\nstdout:\n{gateway.Stdout}\nstderr:\n{gateway.Stderr}");
            if (waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                output.WriteLine($"final run: outbox NOT caught up after 30 s, {missing} of the sequences 0..{maxKilled} missing; stopping it anyway");
                break;
            }
            await Task.Delay(250);
        }
        gateway.Signal("TERM");
        var exitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exitCode == 0, $"run {number} (final): exit code {exitCode} after SIGTERM, expected 0.\nstdout:\n{gateway.Stdout}\nstderr:\n{gateway.Stderr}");
        Assert.True(gateway.Stderr.Length == 0, $"run {number} (final) wrote to stderr:\n{gateway.Stderr}");
        Assert.Contains("Gateway stopped cleanly", gateway.Stdout);
        return new Run(number, "final run", "00:00:00.100", null, DurablePoints(gateway.Stdout), gateway.Stdout);
    }

    private static List<DurablePoint> DurablePoints(string stdout) =>
        DurablePattern().Matches(stdout)
            .Select(m => new DurablePoint(m.Groups[1].Value, long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))
            .ToList();

    /// <summary>Error-level lines no run should have logged; none is expected, SIGKILL included.</summary>
    private static void AssertNoErrorsLogged(List<Run> runs)
    {
        string[] expected = [];
        var errors = runs
            .SelectMany(r => r.Stdout.Split('\n').Where(l => l.Contains("[ERR]", StringComparison.Ordinal) || l.Contains("[FTL]", StringComparison.Ordinal))
                .Where(l => !expected.Any(e => l.Contains(e, StringComparison.Ordinal)))
                .Select(l => $"{r}: {l.TrimEnd()}"))
            .ToList();
        Assert.True(errors.Count == 0, "Error-level log lines:\n" + string.Join("\n", errors));
    }

    /// <summary>
    /// Without durable points the test would prove nothing. About two thirds of the killed runs
    /// live long enough to report some (fewer on a loaded machine); a third is the floor.
    /// </summary>
    private static void AssertDurablePointsReported(List<Run> runs)
    {
        var withPoints = runs.Count(r => r.Durable.Count > 0);
        Assert.True(withPoints >= runs.Count / 3,
            $"Only {withPoints} of {runs.Count} killed runs reported a durable point (event 3013, \"Journal durable through\", "
            + "logged at Debug with --Serilog:MinimumLevel:Override:FarmGateway.Journal=Debug); without them this test proves nothing. "
            + $"Log of a run killed at a random time:\n{(runs.LastOrDefault(r => r.Plan.Contains("random", StringComparison.Ordinal)) ?? runs[^1]).Stdout}");
    }

    /// <summary>
    /// The journal promises that sequences only increase across restarts: a run reporting a
    /// sequence at or below one reported earlier would hand an accepted sequence out twice.
    /// </summary>
    private static void AssertDurablePointsOnlyIncrease(List<Run> runs)
    {
        long highest = -1;
        Run? reportedBy = null;
        foreach (var run in runs)
        {
            foreach (var point in run.Durable)
            {
                Assert.True(point.Sequence > highest,
                    $"{run} reported durable {point} after {reportedBy} had already reported sequence {highest}: sequences must only increase.");
                highest = point.Sequence;
                reportedBy = run;
            }
        }
    }

    private static void AssertEveryDurableReadingDelivered(List<Run> runs, OutboxContent outbox)
    {
        var problems = new List<string>();
        // Every sequence up to the last point of each run: a point covers everything before it.
        var missing = new List<long>();
        var max = runs.Max(r => r.Last?.Sequence ?? -1);
        for (long sequence = 0; sequence <= max; sequence++)
            if (!outbox.EpochsBySequence.ContainsKey(sequence)) missing.Add(sequence);
        foreach (var range in Ranges(missing))
        {
            var first = runs.First(r => r.Last?.Sequence >= range.From);
            problems.Add($"sequence(s) {range} missing from the outbox; reported durable by {first} (the first run to report them).");
        }
        // Each reported point exactly, epoch included (a sequence missing altogether is named above).
        foreach (var run in runs)
        {
            foreach (var point in run.Durable)
            {
                if (outbox.ById.ContainsKey(point.Id) || !outbox.EpochsBySequence.TryGetValue(point.Sequence, out var epochs)) continue;
                problems.Add($"{run} reported durable {point}, but {point.Id} is not in the outbox: sequence {point.Sequence} was delivered under epoch(s) {string.Join(", ", epochs)}.");
            }
        }
        Assert.True(problems.Count == 0, $"{missing.Count} of the sequences 0..{max} reported durable are missing from the outbox; {problems.Count} problem(s):\n" + string.Join("\n", problems.Take(40)));
    }

    /// <summary>
    /// Under SIGKILL the kernel keeps every written byte, so recovery never needs to cut a record
    /// that was delivered (delivered means durable). Two epochs for one delivered sequence would
    /// mean the journal wrote a different reading under a sequence it had already handed out.
    /// </summary>
    private static void AssertSequencesNotReused(OutboxContent outbox)
    {
        var reused = outbox.EpochsBySequence.Where(e => e.Value.Count > 1).Select(e => $"{e.Key} under {string.Join(", ", e.Value)}").ToList();
        Assert.True(reused.Count == 0, $"{reused.Count} sequence(s) delivered under more than one epoch:\n" + string.Join("\n", reused.Take(40)));
    }

    private sealed class OutboxContent
    {
        public Dictionary<string, (string Line, string Where)> ById { get; } = new(StringComparer.Ordinal);
        public SortedDictionary<long, SortedSet<string>> EpochsBySequence { get; } = [];
        public SortedSet<string> Epochs { get; } = new(StringComparer.Ordinal);
        public int Lines { get; set; }
        public int Files { get; set; }
    }

    /// <summary>Reads every completed outbox file, asserting whole lines, JSON, the schema and stable ids.</summary>
    private OutboxContent ReadOutbox()
    {
        var parts = Directory.GetFiles(Outbox, "*.part");
        Assert.True(parts.Length == 0, "After the clean stop .part file(s) remain: " + string.Join(", ", parts.Select(Path.GetFileName)));
        var schema = JsonSchemaValidator.FromFile(Path.Combine(RepositoryRoot.Path, "docs", "record-schema.v1.json"));
        var content = new OutboxContent();
        var problems = new List<string>();
        foreach (var path in Directory.GetFiles(Outbox, "*.ndjson").Order(StringComparer.Ordinal))
        {
            content.Files++;
            var bytes = File.ReadAllBytes(path);
            var name = Path.GetFileName(path);
            if (bytes.Length == 0) problems.Add($"{name}: empty completed file");
            else if (bytes[^1] != (byte)'\n') problems.Add($"{name}: does not end with a newline (torn last line)");
            var lines = Encoding.UTF8.GetString(bytes).Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                if (line.Length == 0)
                {
                    if (i != lines.Length - 1) problems.Add($"{name}:{i + 1}: empty line");
                    continue;
                }
                content.Lines++;
                var where = $"{name}:{i + 1}";
                JsonDocument record;
                try
                {
                    record = JsonDocument.Parse(line);
                }
                catch (JsonException e)
                {
                    problems.Add($"{where}: not JSON (a torn line?): {e.Message}: {Shorten(line)}");
                    continue;
                }
                using (record)
                {
                    foreach (var error in schema.Validate(record.RootElement)) problems.Add($"{where}: schema: {error}");
                    var id = record.RootElement.TryGetProperty("id", out var idElement) ? idElement.GetString() : null;
                    if (record.RootElement.TryGetProperty("gateway", out var gateway) && gateway.GetString() != GatewayId)
                        problems.Add($"{where}: gateway {gateway.GetRawText()}, expected {GatewayId}");
                    if (id is null || IdPattern().Match(id) is not { Success: true } match)
                    {
                        problems.Add($"{where}: id {id ?? "(missing)"} is not {GatewayId}:<epoch>:<sequence>");
                        continue;
                    }
                    if (content.ById.TryGetValue(id, out var seen))
                    {
                        if (seen.Line != line)
                            problems.Add($"{where}: id {id} was delivered before at {seen.Where} with different content:\n  {seen.Line}\n  {line}");
                        continue;
                    }
                    content.ById.Add(id, (line, where));
                    var epoch = match.Groups[1].Value;
                    var sequence = long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
                    content.Epochs.Add(epoch);
                    if (!content.EpochsBySequence.TryGetValue(sequence, out var epochs))
                        content.EpochsBySequence.Add(sequence, epochs = new SortedSet<string>(StringComparer.Ordinal));
                    epochs.Add(epoch);
                }
            }
        }
        Assert.True(problems.Count == 0, $"{problems.Count} problem(s) in the outbox {Outbox}:\n" + string.Join("\n", problems.Take(40)));
        return content;
    }

    /// <summary>Sequences in complete lines of every outbox file, .part included; for polling while the gateway writes.</summary>
    private HashSet<long> DeliveredSequencesSoFar()
    {
        var sequences = new HashSet<long>();
        if (!Directory.Exists(Outbox)) return sequences;
        foreach (var path in Directory.GetFiles(Outbox))
        {
            string text;
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                text = new StreamReader(stream).ReadToEnd();
            }
            catch (FileNotFoundException)
            {
                continue; // a .part renamed to .ndjson in between; the next poll reads it
            }
            text = text[..(text.LastIndexOf('\n') + 1)];
            foreach (Match match in PolledIdPattern().Matches(text))
                sequences.Add(long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
        }
        return sequences;
    }

    private readonly record struct SequenceRange(long From, long To)
    {
        public override string ToString() => From == To ? $"{From}" : $"{From}..{To} ({To - From + 1})";
    }

    private static IEnumerable<SequenceRange> Ranges(List<long> sorted)
    {
        for (var i = 0; i < sorted.Count;)
        {
            var j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1) j++;
            yield return new SequenceRange(sorted[i], sorted[j]);
            i = j + 1;
        }
    }

    private static int Count(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static string Shorten(string line) => line.Length <= 200 ? line : line[..200] + "...";

    [GeneratedRegex(@"\[DBG\] JournalService: Journal durable through ([0-9a-f]{8}):(\d+)\r?$", RegexOptions.Multiline)]
    private static partial Regex DurablePattern();

    [GeneratedRegex($"^{GatewayId}:([0-9a-f]{{8}}):([0-9]{{12,19}})$")]
    private static partial Regex IdPattern();

    [GeneratedRegex($"\"id\":\"{GatewayId}:[0-9a-f]{{8}}:([0-9]{{12,19}})\"")]
    private static partial Regex PolledIdPattern();
}
