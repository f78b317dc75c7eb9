using FarmGateway.Configuration;
using FarmGateway.Journal;
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
            ReadingsProduced = counters.Produced,
            ReadingsAccepted = counters.Accepted,
            LastAccepted = counters.LastAccepted,
            ReadFailures = counters.ReadFailures,
            WriteFailures = counters.WriteFailures,
            Dropped = dropped,
            Journal = stats,
            Uplinks =
            [
                .. uplinks.All.Select(u => new UplinkSnapshot(
                    u.Name, u.State, u.LastSuccess, u.LastError, u.Sent, u.FailedAttempts,
                    stats.Cursors.FirstOrDefault(c => c.Name == u.Name)?.BacklogRecords ?? 0,
                    u.OldestUnsent is { } oldest ? now - oldest : null)),
            ],
        };
    }

    /// <summary>One line for systemd's STATUS= and logs.</summary>
    public string Summary()
    {
        var s = Snapshot();
        var uplinks = s.Uplinks.Select(u => $"; {u.Name} {u.State.ToString().ToLowerInvariant()}, backlog {u.Backlog}");
        return $"{s.Sensors} sensor(s), {s.ReadingsAccepted} readings accepted, {s.Dropped.Values.Sum()} dropped, " +
               $"{s.ReadFailures} read failures, journal {s.Journal.RetainedRecords} records" + string.Concat(uplinks);
    }
}

public sealed record GatewaySnapshot
{
    public required string GatewayId { get; init; }
    public DateTimeOffset At { get; init; }
    public int Sensors { get; init; }
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

/// <param name="OldestUnsentAge">How old the oldest reading waiting for this uplink is; null when caught up.</param>
public sealed record UplinkSnapshot(
    string Name,
    UplinkState State,
    DateTimeOffset? LastSuccess,
    string? LastError,
    long Sent,
    long FailedAttempts,
    long Backlog,
    TimeSpan? OldestUnsentAge);
