using System.Diagnostics;
using FarmGateway.Journal;
using FarmGateway.Uplinks.Kinesis;
using Microsoft.Extensions.Logging.Abstractions;

namespace FarmGateway.KinesisBench;

/// <summary>
/// --profile: where the client's time goes, without kinesalite's time in the way.
/// 1. Both phases again against <see cref="InstantKinesis"/> (an in-process far side that answers
///    at once): the whole wall time is client time, so the difference per request between the
///    phases is what the gateway adds. The gateway once more with its data directory on tmpfs,
///    where fsync costs nothing: the difference is what the disk costs it per request.
/// 2. The gateway's steps per batch timed one by one, in the order the worker does them, over a
///    journal holding the same backlog: read 500 records from the cursor, their wire sizes
///    (partition key of each), KinesisUplink.SendAsync over the instant far side (request body,
///    Polly, SigV4, the answer parsed record by record), and the cursor's Ack (cursor file
///    replaced durably: write, fsync, rename, directory fsync). What the worker adds around them
///    is the instant drain's time per request less their sum.
/// </summary>
internal static class ProfileRuns
{
    public static async Task<ProfileResult> MeasureAsync(BenchOptions options, KinesaliteServer kinesalite, ReadingSet readings, RawRecord[] raw,
        TextWriter progress)
    {
        var instant = FarSide.Instant();
        var tmpfs = MemoryDirectory();
        var runs = new List<RunResult>();
        var tmpfsRuns = new List<RunResult>();
        for (var run = 0; run <= options.Runs; run++) // run 0: warm-up, not kept
        {
            var count = run == 0 ? Math.Max(1, options.WarmUpRecords) : options.Records;
            (string Name, Func<Task<RunResult>> Measure, List<RunResult> Into)[] variants =
            [
                ("Raw", () => RawPutRecordsRun.MeasureAsync(run, kinesalite, instant, "instant", raw, count), runs),
                ("Gateway", () => GatewayDrainRun.MeasureAsync(run, kinesalite, instant, "instant", readings, count, options.BaseDirectory), runs),
                ("Gateway, journal on tmpfs", () => GatewayDrainRun.MeasureAsync(run, kinesalite, instant, "instant", readings, count, tmpfs!), tmpfsRuns),
            ];
            foreach (var (name, measure, into) in run % 2 == 1 ? variants : variants.Reverse())
            {
                if (into == tmpfsRuns && tmpfs is null) continue;
                var result = await measure();
                if (run == 0) continue;
                into.Add(result);
                progress.WriteLine($"Profile, instant far side, {name,-25} run {run}/{options.Runs}: {result.RecordsPerSecond,9:N0}/s, client {result.ClientMsPerRequest:F2} ms per request, CPU {result.CpuMsPerThousand:F1} ms/1,000");
            }
        }

        var steps = await StepsAsync(options, readings);
        progress.WriteLine($"Profile, gateway steps per batch: {string.Join(", ", steps.Select(s => $"{s.Name} {s.MedianMicroseconds:F0} µs"))}");
        return new ProfileResult(runs, tmpfsRuns, steps);
    }

    /// <summary>/dev/shm when it is a tmpfs: a journal there has fsyncs that cost nothing.</summary>
    private static string? MemoryDirectory()
    {
        const string shm = "/dev/shm";
        if (!Directory.Exists(shm)) return null;
        foreach (var line in File.ReadLines("/proc/self/mounts"))
        {
            var fields = line.Split(' ');
            if (fields.Length > 2 && fields[1] == shm) return fields[2] == "tmpfs" ? shm : null;
        }
        return null;
    }

    private static async Task<IReadOnlyList<StepTiming>> StepsAsync(BenchOptions options, ReadingSet readings)
    {
        var directory = Path.Combine(Path.GetFullPath(options.BaseDirectory), $"kinesisbench-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using var journal = DiskJournal.Open(Path.Combine(directory, "journal"), new JournalOptions(), TimeProvider.System);
            var kinesis = GatewayDrainRun.UplinkOptions("instant", FarSide.Instant().Endpoint);
            await using var uplink = new KinesisUplink(kinesis, ReadingSet.GatewayId, new InstantKinesis(), new FixedCredentials(),
                TimeProvider.System, NullLogger<KinesisUplink>.Instance);
            journal.OpenCursor(uplink.Name, CursorStart.Oldest);
            GatewayDrainRun.Fill(journal, readings, options.Records);
            await uplink.StartAsync(CancellationToken.None);

            var read = new List<double>();
            var wire = new List<double>();
            var send = new List<double>();
            var ack = new List<double>();
            var batches = options.Records / KinesisUplinkOptions.MaxRecordsPerRequest;
            var warmUp = batches / 10; // the first tenth warms up and is not kept
            for (var b = 0; b < batches; b++)
            {
                var t0 = Stopwatch.GetTimestamp();
                var batch = journal.Read(uplink.Name, KinesisUplinkOptions.MaxRecordsPerRequest, kinesis.MaxBatchBytes);
                var t1 = Stopwatch.GetTimestamp();
                long bytes = 0;
                foreach (var record in batch) bytes += uplink.WireBytes(record);
                var t2 = Stopwatch.GetTimestamp();
                var result = await uplink.SendAsync(batch, CancellationToken.None);
                var t3 = Stopwatch.GetTimestamp();
                journal.Ack(uplink.Name, batch[^1].Sequence);
                var t4 = Stopwatch.GetTimestamp();
                if (!result.Complete || bytes == 0) throw new InvalidOperationException("the instant far side refused records");
                if (b < warmUp) continue;
                read.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMicroseconds);
                wire.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMicroseconds);
                send.Add(Stopwatch.GetElapsedTime(t2, t3).TotalMicroseconds);
                ack.Add(Stopwatch.GetElapsedTime(t3, t4).TotalMicroseconds);
            }
            return
            [
                new("DiskJournal.Read of 500 records", Spread.Of(read).Median, read.Average()),
                new("KinesisUplink.WireBytes × 500 (partition key of each)", Spread.Of(wire).Median, wire.Average()),
                new("KinesisUplink.SendAsync, instant far side (body, Polly, SigV4, answer parsed)", Spread.Of(send).Median, send.Average()),
                new("DiskJournal.Ack (cursor file: write, fsync, rename, directory fsync)", Spread.Of(ack).Median, ack.Average()),
            ];
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}

internal sealed record StepTiming(string Name, double MedianMicroseconds, double MeanMicroseconds);

/// <param name="InstantRuns">Both phases against the instant far side.</param>
/// <param name="TmpfsRuns">The gateway phase against the instant far side with its data directory on tmpfs (empty when there is none).</param>
/// <param name="Steps">The gateway's steps per batch, timed one by one.</param>
internal sealed record ProfileResult(IReadOnlyList<RunResult> InstantRuns, IReadOnlyList<RunResult> TmpfsRuns, IReadOnlyList<StepTiming> Steps);
