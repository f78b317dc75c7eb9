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
/// Written by the one poll loop of its sensor; read by status from any thread. Each update
/// publishes a whole new <see cref="SensorHealthState"/>, so a reader never sees half of one.
/// </summary>
public sealed class SensorHealth(string name, string model)
{
    /// <summary>Consecutive failed reads that make a sensor failed.</summary>
    public const int FailedAfter = 5;

    private readonly ConcurrentDictionary<SensorErrorKind, long> _failures = new();
    private volatile SensorHealthState _current = SensorHealthState.Starting;
    private long _reads;

    public string Name => name;
    public string Model => model;

    /// <summary>Everything but the counters, consistent with itself.</summary>
    public SensorHealthState Current => _current;

    public SensorState State => _current.State;
    public ClimateSample? LastGood => _current.LastGood;
    public DateTimeOffset? LastGoodAt => _current.LastGoodAt;
    public int ConsecutiveFailures => _current.ConsecutiveFailures;
    public SensorError? LastError => _current.LastError;
    public DateTimeOffset? LastErrorAt => _current.LastErrorAt;

    /// <summary>Reads finished since start, good or not.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Failed reads by kind since start (warm-up reads that gave no value count as NotReady).</summary>
    public IReadOnlyDictionary<SensorErrorKind, long> FailuresByKind => _failures;

    /// <summary>Records a good sample; returns the state before, so the caller can log a recovery.</summary>
    public SensorState Succeeded(ClimateSample sample, DateTimeOffset at)
    {
        var before = _current;
        _current = before with { State = SensorState.Ok, LastGood = sample, LastGoodAt = at, ConsecutiveFailures = 0 };
        Interlocked.Increment(ref _reads); // last, so a reader that sees the count sees the state
        return before.State;
    }

    /// <summary>
    /// Records a read without a sample; returns the state before. A warm-up read (NotReady) is
    /// counted by kind but neither breaks nor extends a failure run.
    /// </summary>
    public SensorState Failed(SensorError error, DateTimeOffset at)
    {
        var before = _current;
        _failures.AddOrUpdate(error.Kind, 1, (_, n) => n + 1);
        if (error.Kind != SensorErrorKind.NotReady)
        {
            var failures = before.ConsecutiveFailures + 1;
            _current = before with
            {
                State = failures >= FailedAfter || NeedsTechnician(error.Kind) ? SensorState.Failed : SensorState.Degraded,
                ConsecutiveFailures = failures,
                LastError = error,
                LastErrorAt = at,
            };
        }
        Interlocked.Increment(ref _reads);
        return before.State;
    }

    /// <summary>The sensor could not be set up at all and is not polled: failed for good.</summary>
    public void NotStarted(SensorError error, DateTimeOffset at) =>
        _current = _current with { State = SensorState.Failed, LastError = error, LastErrorAt = at };

    /// <summary>Failures no retry fixes: wiring, config.txt, group membership, a kernel driver in the way.</summary>
    public static bool NeedsTechnician(SensorErrorKind kind) =>
        kind is SensorErrorKind.NotPresent or SensorErrorKind.PermissionDenied or SensorErrorKind.Busy;
}

/// <summary>A sensor's health at one moment.</summary>
public sealed record SensorHealthState(
    SensorState State,
    ClimateSample? LastGood,
    DateTimeOffset? LastGoodAt,
    int ConsecutiveFailures,
    SensorError? LastError,
    DateTimeOffset? LastErrorAt)
{
    public static readonly SensorHealthState Starting = new(SensorState.Starting, null, null, 0, null, null);
}

/// <summary>Every configured sensor's health, for status.</summary>
public sealed class SensorHealthRegistry
{
    private readonly ConcurrentDictionary<string, SensorHealth> _all = new(StringComparer.Ordinal);

    public SensorHealth Add(string name, string model) => _all.GetOrAdd(name, n => new SensorHealth(n, model));

    public IReadOnlyList<SensorHealth> All => [.. _all.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];
}
