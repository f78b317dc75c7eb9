using System.Diagnostics;
using FarmGateway.Bench;

namespace FarmGateway.KinesisBench;

internal enum Phase
{
    /// <summary>A bare PutRecords loop: pre-built records, 500 per request, signed, one request in flight.</summary>
    Raw,

    /// <summary>The gateway's UplinkWorker + KinesisUplink draining a backlog from a DiskJournal.</summary>
    Gateway,
}

/// <summary>What the stream held afterwards, read back over all shards (outside the timed part).</summary>
/// <param name="Stored">Records in the stream, duplicates included.</param>
/// <param name="Missing">Ids that were sent (or queued) but are not in the stream.</param>
/// <param name="Unexpected">Records whose id was never sent.</param>
internal sealed record Verification(long Stored, long Distinct, long Missing, long Unexpected)
{
    public bool Complete => Missing == 0 && Unexpected == 0;

    public long Duplicates => Stored - Distinct;

    public static Verification Check(IReadOnlyList<string> stored, IEnumerable<string> expected)
    {
        var distinct = stored.ToHashSet(StringComparer.Ordinal);
        long missing = 0, expectedCount = 0;
        foreach (var id in expected)
        {
            expectedCount++;
            if (!distinct.Contains(id)) missing++;
        }
        return new Verification(stored.Count, distinct.Count, missing, distinct.Count - (expectedCount - missing));
    }
}

/// <summary>One measured run of one phase; every figure in the report is computed from these.</summary>
/// <param name="Verification">What the stream held afterwards; null when there was no stream to read (--profile's instant far side).</param>
/// <param name="Start">Stopwatch timestamp of the start of the timed part.</param>
/// <param name="Requests">Every PutRecords request, in order, as the transport saw it.</param>
/// <param name="Retried">Gateway only: records the worker sent again (UplinkStatus.Retried).</param>
/// <param name="Quarantined">Gateway only: records quarantined (UplinkStatus.Quarantined).</param>
/// <param name="StartedQuiet">Whether the machine was idle before the run (see <see cref="ProcStat.WaitForQuiet"/>).</param>
/// <param name="LiveLaneShare">Gateway only: share of the answers after which the worker's live lane was on (UplinkStatus.Draining).</param>
internal sealed record RunResult(Phase Phase, int Run, int Records, long Start, PhaseCpu Cpu, IReadOnlyList<RequestTiming> Requests,
    Verification? Verification, long Retried = 0, long Quarantined = 0, double LiveLaneShare = 0)
{
    public bool StartedQuiet { get; init; } = true;

    /// <summary>How many times the run was measured (see KinesisBenchmark.MeasureUndisturbedAsync).</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>Other processes kept more than a quarter of a core busy during the run.</summary>
    public bool Disturbed => Cpu.OtherCores > KinesisBenchmark.QuietCores;

    public double RecordsPerSecond => Records / Cpu.Wall.TotalSeconds;

    /// <summary>CPU of this process per 1,000 records delivered, in ms.</summary>
    public double CpuMsPerThousand => Cpu.ProcessCpu.TotalMilliseconds * 1000 / Records;

    public double AllocatedBytesPerRecord => (double)Cpu.AllocatedBytes / Records;

    /// <summary>
    /// kinesalite's CPU over the wall time: how busy the client kept the bottleneck (above 1 when
    /// node's helper threads work beside its single JavaScript thread). Independent of how fast
    /// that kinesalite happened to be, unlike records/s.
    /// </summary>
    public double KinesaliteBusy => Cpu.KinesaliteCpu / Cpu.Wall;

    public double KinesaliteCpuMsPerThousand => Cpu.KinesaliteCpu.TotalMilliseconds * 1000 / Records;

    public double RecordsPerRequest => Requests.Count == 0 ? 0 : (double)Requests.Sum(r => r.Records) / Requests.Count;

    /// <summary>Mean time a request spent in the transport (kinesalite and the loopback), ms.</summary>
    public double TransportMsPerRequest => Requests.Count == 0 ? 0 : Requests.Average(r => r.InTransport.TotalMilliseconds);

    /// <summary>Median time a request spent in the transport, ms: kinesalite's typical time, without its slow spells.</summary>
    public double MedianTransportMs
    {
        get
        {
            var times = Requests.Select(r => r.InTransport.TotalMilliseconds).Order().ToArray();
            return times.Length == 0 ? 0 : times[times.Length / 2];
        }
    }

    /// <summary>The rest of the wall time per request: the client building, signing and handling it, waits included, ms.</summary>
    public double ClientMsPerRequest => Requests.Count == 0 ? 0
        : (Cpu.Wall.TotalMilliseconds - Requests.Sum(r => r.InTransport.TotalMilliseconds)) / Requests.Count;

    /// <summary>Gaps with no request in flight: before the first, between two, and after the last until the end was seen.</summary>
    public IReadOnlyList<TimeSpan> Gaps
    {
        get
        {
            var gaps = new List<TimeSpan>(Requests.Count + 1);
            var previous = Start;
            foreach (var request in Requests)
            {
                gaps.Add(Stopwatch.GetElapsedTime(previous, request.Start));
                previous = request.End;
            }
            gaps.Add(Cpu.Wall - Stopwatch.GetElapsedTime(Start, previous));
            return gaps;
        }
    }

    /// <summary>The longest time with no request in flight, ms (a BatchInterval wait shows here).</summary>
    public double LongestGapMs => Gaps.Max().TotalMilliseconds;

    /// <summary>Client time between requests (gaps between two requests only), median, ms.</summary>
    public double MedianGapBetweenRequestsMs
    {
        get
        {
            var inner = Gaps.Skip(1).SkipLast(1).Select(g => g.TotalMilliseconds).Order().ToArray();
            return inner.Length == 0 ? 0 : inner[inner.Length / 2];
        }
    }
}
