using FarmGateway.Configuration;
using FarmGateway.Drivers;
using FarmGateway.Journal;
using FarmGateway.Sources;
using FarmGateway.Uplinks;
using Microsoft.Extensions.Options;

namespace FarmGateway.Status;

/// <summary>
/// The one read-only view of how the gateway is doing, for systemd's STATUS= line now and the
/// status page, metrics and MQTT status later: counters, the journal, and every uplink.
/// </summary>
public sealed class GatewayStatus(
    GatewayCounters counters,
    DiskJournal journal,
    UplinkStatuses uplinks,
    SensorHealthRegistry sensors,
    IOptions<GatewayOptions> options,
    TimeProvider time)
{
    public GatewaySnapshot Snapshot()
    {
        var now = time.GetUtcNow();
        var stats = journal.GetStats();
        var dropped = new Dictionary<string, long>(counters.Dropped);
        foreach (var (reason, count) in stats.Dropped) dropped[reason] = dropped.GetValueOrDefault(reason) + count;
        return new GatewaySnapshot
        {
            GatewayId = options.Value.Id!,
            At = now,
            Sensors = options.Value.Sensors.Count(s => s.Enabled),
            SensorHealth =
            [
                .. sensors.All.Select(h => (Health: h, Now: h.Current)).Select(h => new SensorSnapshot
                {
                    Name = h.Health.Name,
                    Model = h.Health.Model,
                    State = h.Now.State,
                    LastGoodAt = h.Now.LastGoodAt,
                    LastGood = h.Now.LastGood,
                    ConsecutiveFailures = h.Now.ConsecutiveFailures,
                    LastError = h.Now.LastError?.ToString(),
                    LastErrorAt = h.Now.LastErrorAt,
                    FailuresByKind = h.Health.FailuresByKind.ToDictionary(f => f.Key.ToString(), f => f.Value),
                }),
            ],
            ReadingsProduced = counters.Produced,
            ReadingsAccepted = counters.Accepted,
            LastAccepted = counters.LastAccepted,
            ReadFailures = counters.ReadFailures,
            WriteFailures = counters.WriteFailures,
            Dropped = dropped,
            Journal = stats,
            Uplinks =
            [
                .. uplinks.All.Select(u => new UplinkSnapshot
                {
                    Name = u.Name,
                    State = u.State,
                    LastSuccess = u.LastSuccess,
                    LastError = u.LastError,
                    LastErrorAt = u.LastErrorAt,
                    Sent = u.Sent,
                    Retried = u.Retried,
                    Quarantined = u.Quarantined,
                    FailedAttempts = u.FailedAttempts,
                    Backlog = stats.Cursors.FirstOrDefault(c => c.Name == u.Name)?.BacklogRecords ?? 0,
                    OldestUnsentAge = u.OldestUnsent is { } oldest ? now - oldest : null,
                    Draining = u.Draining,
                    PaceLimit = u.PaceLimit,
                }),
            ],
        };
    }

    /// <summary>One line for systemd's STATUS= and logs.</summary>
    public string Summary()
    {
        var s = Snapshot();
        var uplinks = s.Uplinks.Select(u => $"; {u.Name} {u.State.ToString().ToLowerInvariant()}, backlog {u.Backlog}");
        var failed = s.SensorHealth.Count(h => h.State == SensorState.Failed);
        return $"{s.Sensors} sensor(s){(failed > 0 ? $" ({failed} failed)" : "")}, {s.ReadingsAccepted} readings accepted, {s.Dropped.Values.Sum()} dropped, " +
               $"{s.ReadFailures} read failures, journal {s.Journal.RetainedRecords} records" + string.Concat(uplinks);
    }
}

public sealed record GatewaySnapshot
{
    public required string GatewayId { get; init; }
    public DateTimeOffset At { get; init; }
    public int Sensors { get; init; }

    /// <summary>Each sensor's health, by name.</summary>
    public IReadOnlyList<SensorSnapshot> SensorHealth { get; init; } = [];
    /// <summary>Readings the sources handed over (before range checks and the queue).</summary>
    public long ReadingsProduced { get; init; }

    public long ReadingsAccepted { get; init; }

    /// <summary>When the journal last made readings durable; null before the first.</summary>
    public DateTimeOffset? LastAccepted { get; init; }
    public long ReadFailures { get; init; }
    public long WriteFailures { get; init; }

    /// <summary>Readings that will never be delivered, by reason (queue full, implausible, disk cap...).</summary>
    public IReadOnlyDictionary<string, long> Dropped { get; init; } = new Dictionary<string, long>();

    public required JournalStats Journal { get; init; }
    public IReadOnlyList<UplinkSnapshot> Uplinks { get; init; } = [];
}

/// <summary>One sensor as the status page shows it.</summary>
public sealed record SensorSnapshot
{
    public required string Name { get; init; }
    public required string Model { get; init; }
    public SensorState State { get; init; }
    public DateTimeOffset? LastGoodAt { get; init; }
    public ClimateSample? LastGood { get; init; }
    public int ConsecutiveFailures { get; init; }

    /// <summary>The last failure with its kind, errno and the driver's advice.</summary>
    public string? LastError { get; init; }
    public DateTimeOffset? LastErrorAt { get; init; }

    /// <summary>Failed reads since start by kind (ChecksumMismatch, Timeout, NotPresent...).</summary>
    public IReadOnlyDictionary<string, long> FailuresByKind { get; init; } = new Dictionary<string, long>();
}

/// <summary>One uplink as the status page shows it.</summary>
public sealed record UplinkSnapshot
{
    public required string Name { get; init; }
    public UplinkState State { get; init; }
    public DateTimeOffset? LastSuccess { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? LastErrorAt { get; init; }

    /// <summary>Records the far side took.</summary>
    public long Sent { get; init; }

    /// <summary>Records sent again after the far side refused them one by one or the request failed.</summary>
    public long Retried { get; init; }

    /// <summary>Records moved to the quarantine file with a reason (refused as invalid, too large).</summary>
    public long Quarantined { get; init; }

    public long FailedAttempts { get; init; }

    /// <summary>Records in the journal this uplink has not acknowledged.</summary>
    public long Backlog { get; init; }

    /// <summary>How old the oldest reading waiting for this uplink is; null when caught up.</summary>
    public TimeSpan? OldestUnsentAge { get; init; }

    /// <summary>A backlog is draining, with current readings sent beside it.</summary>
    public bool Draining { get; init; }

    /// <summary>Records per second allowed after throttling; null when not throttled.</summary>
    public double? PaceLimit { get; init; }
}
