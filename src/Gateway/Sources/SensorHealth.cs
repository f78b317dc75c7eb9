using System.Collections.Concurrent;
using FarmGateway.Drivers;

namespace FarmGateway.Sources;

/// <summary>How a sensor is doing, as the status page and MQTT health show it.</summary>
public enum SensorState
{
    /// <summary>No read has finished yet.</summary>
    Starting,

    /// <summary>The last read gave a good sample.</summary>
    Ok,

    /// <summary>Recent reads failed, but not enough in a row to call it failed (DHT22s miss 10-25 % of reads).</summary>
    Degraded,

    /// <summary>
    /// <see cref="SensorHealth.FailedAfter"/> reads in a row failed, or the sensor cannot be
    /// reached at all (not present, permission denied, busy): a technician must look.
    /// </summary>
    Failed,
}

/// <summary>
/// One sensor's health: state, last good reading, consecutive failures and failures by kind.
/// Updated by the one poll loop of its sensor; read by anyone.
/// </summary>
public sealed class SensorHealth(string name, string model)
{
    /// <summary>Consecutive failed reads that make a sensor failed.</summary>
    public const int FailedAfter = 5;

    private readonly ConcurrentDictionary<SensorErrorKind, long> _failures = new();
    private long _reads;

    public string Name => name;
    public string Model => model;
    public SensorState State { get; private set; } = SensorState.Starting;
    public long Reads => Interlocked.Read(ref _reads);
    public DateTimeOffset? LastGoodAt { get; private set; }
    public ClimateSample? LastGood { get; private set; }
    public int ConsecutiveFailures { get; private set; }
    public SensorError? LastError { get; private set; }
    public DateTimeOffset? LastErrorAt { get; private set; }

    /// <summary>Failed reads by kind since start (warm-up reads that gave no value count as NotReady).</summary>
    public IReadOnlyDictionary<SensorErrorKind, long> FailuresByKind => _failures;

    /// <summary>Records a good sample; returns the state before, so the caller can log a recovery.</summary>
    public SensorState Succeeded(ClimateSample sample, DateTimeOffset at)
    {
        var before = State;
        LastGood = sample;
        LastGoodAt = at;
        ConsecutiveFailures = 0;
        State = SensorState.Ok;
        Interlocked.Increment(ref _reads); // last, so a reader that sees the count sees the rest
        return before;
    }

    /// <summary>
    /// Records a read without a sample; returns the state before. A warm-up read (NotReady) is
    /// counted by kind but neither breaks nor extends a failure run.
    /// </summary>
    public SensorState Failed(SensorError error, DateTimeOffset at)
    {
        var before = State;
        _failures.AddOrUpdate(error.Kind, 1, (_, n) => n + 1);
        if (error.Kind != SensorErrorKind.NotReady)
        {
            LastError = error;
            LastErrorAt = at;
            ConsecutiveFailures++;
            State = ConsecutiveFailures >= FailedAfter || NeedsTechnician(error.Kind) ? SensorState.Failed : SensorState.Degraded;
        }
        Interlocked.Increment(ref _reads);
        return before;
    }

    /// <summary>The sensor could not be set up at all and is not polled: failed for good.</summary>
    public void NotStarted(SensorError error, DateTimeOffset at)
    {
        LastError = error;
        LastErrorAt = at;
        State = SensorState.Failed;
    }

    /// <summary>Failures no retry fixes: wiring, config.txt, group membership, a kernel driver in the way.</summary>
    public static bool NeedsTechnician(SensorErrorKind kind) =>
        kind is SensorErrorKind.NotPresent or SensorErrorKind.PermissionDenied or SensorErrorKind.Busy;
}

/// <summary>Every configured sensor's health, for status.</summary>
public sealed class SensorHealthRegistry
{
    private readonly ConcurrentDictionary<string, SensorHealth> _all = new(StringComparer.Ordinal);

    public SensorHealth Add(string name, string model) => _all.GetOrAdd(name, n => new SensorHealth(n, model));

    public IReadOnlyList<SensorHealth> All => [.. _all.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];
}
