using System.Buffers;
using FarmGateway.Configuration;
using FarmGateway.Hosting;
using FarmGateway.Journal;
using FarmGateway.Readings;
using FarmGateway.Status;
using FarmGateway.Storage;
using FarmGateway.Uplinks;
using FarmGateway.Uplinks.Kinesis;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FarmGateway.KinesisBench;

/// <summary>
/// The gateway draining a backlog, wired as the host wires it (src/Gateway/Hosting): a real
/// <see cref="DiskJournal"/> in a fresh data directory, a <see cref="JournalService"/> (idle: its
/// queue stays empty), and an <see cref="UplinkWorker"/> with the real <see cref="KinesisUplink"/>
/// (ServiceUrl = kinesalite, MaxBatchRecords 500, BatchInterval and everything else at their
/// defaults, PartitionKey = Sensor). Before the clock starts, the readings are serialized and
/// appended as JournalService does it and made durable, behind the uplink's existing cursor: the
/// gateway was offline and comes back with a backlog. Timed from the worker's start (its stream
/// check and first connection included) until the cursor's backlog is 0.
/// </summary>
internal static class GatewayDrainRun
{
    private static readonly TimeSpan Stalled = TimeSpan.FromSeconds(60);

    public static async Task<RunResult> MeasureAsync(int run, KinesaliteServer kinesalite, FarSide farSide, string stream, ReadingSet readings,
        int count, string baseDirectory)
    {
        var dataDirectory = Path.Combine(Path.GetFullPath(baseDirectory), $"kinesisbench-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            return await MeasureInAsync(run, kinesalite, farSide, stream, readings, count, dataDirectory);
        }
        finally
        {
            if (Directory.Exists(dataDirectory)) Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static async Task<RunResult> MeasureInAsync(int run, KinesaliteServer kinesalite, FarSide farSide, string stream, ReadingSet readings,
        int count, string dataDirectory)
    {
        var kinesis = UplinkOptions(stream, farSide.Endpoint);
        var gateway = new GatewayOptions
        {
            Id = ReadingSet.GatewayId,
            Site = "hillside-farm",
            Location = "barn-1",
            DataDirectory = dataDirectory,
            Journal = new JournalOptions(),
        };
        gateway.Uplinks.Kinesis = kinesis;
        var options = Options.Create(gateway);
        var time = TimeProvider.System;

        using var journal = DiskJournal.Open(Path.Combine(dataDirectory, "journal"), gateway.Journal, time);
        var transport = farSide.NewTransport(); // owned by the uplink, disposed with it
        var uplink = new KinesisUplink(kinesis, ReadingSet.GatewayId, transport, new FixedCredentials(), time, NullLogger<KinesisUplink>.Instance);
        journal.OpenCursor(uplink.Name, CursorStart.Oldest);
        var (epoch, firstSequence) = Fill(journal, readings, count);

        var counters = new GatewayCounters();
        var queue = new ReadingQueue(counters);
        using var journalService = new JournalService(journal, [uplink], options, queue, counters, new LoopHealth(time), time,
            NullLogger<JournalService>.Instance);
        using var worker = new UplinkWorker(uplink, new UplinkStatuses(), journal, journalService, options, AppendFile.Open, time,
            NullLogger<UplinkWorker>.Instance);
        await journalService.StartAsync(CancellationToken.None);

        RawPutRecordsRun.Collect();
        var start = CpuSnapshot.Take(kinesalite);
        await worker.StartAsync(CancellationToken.None);
        var liveLane = await WaitUntilDrainedAsync(journal, worker, transport, uplink.Name, count);
        var cpu = CpuSnapshot.Take(kinesalite) - start;

        queue.Complete();
        await worker.StopAsync(CancellationToken.None);
        await journalService.StopAsync(CancellationToken.None);
        var status = worker.Status;
        var verification = farSide.Verify
            ? Verification.Check(await kinesalite.ReadIdsAsync(stream), Enumerable.Range(0, count).Select(i => ReadingSet.Id(epoch, firstSequence + i)))
            : null;
        return new RunResult(Phase.Gateway, run, count, start.Timestamp, cpu, transport.Requests, verification, status.Retried, status.Quarantined, liveLane);
    }

    /// <summary>The uplink's settings: defaults, but for where to send and 500 records per request.</summary>
    internal static KinesisUplinkOptions UplinkOptions(string stream, Uri endpoint) => new()
    {
        Enabled = true,
        StreamName = stream,
        Region = BenchRegion.Endpoint.SystemName,
        ServiceUrl = endpoint.ToString(),
        MaxBatchRecords = KinesisUplinkOptions.MaxRecordsPerRequest,
    };

    /// <summary>The backlog: each reading serialized with its record id and appended as JournalService.Append does, then made durable.</summary>
    internal static (string Epoch, long FirstSequence) Fill(DiskJournal journal, ReadingSet readings, int count)
    {
        var serializer = ReadingSet.Serializer();
        var buffer = new ArrayBufferWriter<byte>(512);
        var first = journal.NextSequence;
        for (var i = 0; i < count; i++)
        {
            buffer.ResetWrittenCount();
            serializer.Write(buffer, readings[i], new RecordId(journal.Epoch, journal.NextSequence));
            journal.Append(buffer.WrittenSpan);
        }
        journal.Flush();
        return (journal.Epoch, first);
    }

    /// <summary>
    /// Waits, without polling, until the far side has answered for all records (see
    /// <see cref="TimedTransport.WhenAnswered"/>), then for the worker to acknowledge them: the
    /// cursor's backlog 0, checked every millisecond (the Ack follows the answer within a
    /// millisecond or so). Fails when nothing moves for a minute. Returns the share of answers
    /// after which the worker's live lane was on (UplinkStatus.Draining).
    /// </summary>
    private static async Task<double> WaitUntilDrainedAsync(DiskJournal journal, UplinkWorker worker, TimedTransport transport, string cursor,
        int count)
    {
        long answers = 0, draining = 0;
        transport.OnAnswer = () =>
        {
            answers++;
            if (worker.Status.Draining) draining++;
        };
        var answered = transport.WhenAnswered(count);
        var lastAnswered = -1L;
        while (!answered.IsCompleted)
        {
            await Task.WhenAny(answered, Task.Delay(Stalled));
            var now = transport.RecordsAnswered;
            if (now == lastAnswered && !answered.IsCompleted)
                throw new InvalidOperationException(
                    $"The drain stalled at {now:N0} of {count:N0} records; uplink state {worker.Status.State}, last error: {worker.Status.LastError ?? "none"}");
            lastAnswered = now;
        }
        // A record answered twice (resent after a timeout) counts twice above: the backlog decides.
        var deadline = DateTime.UtcNow + Stalled;
        while (journal.GetStats().Cursors.Single(c => c.Name == cursor).BacklogRecords > 0)
        {
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"All records were answered but the cursor still has a backlog after {Stalled.TotalSeconds} s; uplink state {worker.Status.State}");
            await Task.Delay(1);
        }
        transport.OnAnswer = null;
        return answers == 0 ? 0 : (double)draining / answers;
    }
}
