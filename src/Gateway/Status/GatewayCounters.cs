using System.Collections.Concurrent;

namespace FarmGateway.Status;

/// <summary>
/// The gateway's running totals since start: what sources produced, what was accepted (durably
/// written), what failed and what was dropped, each drop with its reason. Everything that is
/// not delivered shows up here; status, logs and (later) metrics read it.
/// </summary>
public sealed class GatewayCounters
{
    private long _produced;
    private long _accepted;
    private long _readFailures;
    private long _writeFailures;
    private readonly ConcurrentDictionary<string, long> _dropped = new();

    public long Produced => Interlocked.Read(ref _produced);
    public long Accepted => Interlocked.Read(ref _accepted);
    public long ReadFailures => Interlocked.Read(ref _readFailures);

    /// <summary>Failed writes to the store; what they carried is held and retried, not dropped.</summary>
    public long WriteFailures => Interlocked.Read(ref _writeFailures);
    public DateTimeOffset? LastAccepted { get; private set; }

    public IReadOnlyDictionary<string, long> Dropped => _dropped;
    public long DroppedTotal => _dropped.Values.Sum();

    public void AddProduced() => Interlocked.Increment(ref _produced);
    public void AddReadFailure() => Interlocked.Increment(ref _readFailures);
    public void AddWriteFailure() => Interlocked.Increment(ref _writeFailures);

    public void AddAccepted(int count, DateTimeOffset at)
    {
        Interlocked.Add(ref _accepted, count);
        LastAccepted = at;
    }

    public void AddDropped(string reason, long count = 1) => _dropped.AddOrUpdate(reason, count, (_, n) => n + count);
}
