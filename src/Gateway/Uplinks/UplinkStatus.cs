namespace FarmGateway.Uplinks;

/// <summary>What an uplink is doing, as the status API shows it.</summary>
public enum UplinkState
{
    Starting,
    Connected,
    BackingOff,

    /// <summary>The far side says the configuration is wrong (missing stream, access denied, bad key): retrying slowly.</summary>
    Misconfigured,
    Stopped,
}

/// <summary>Live state of one uplink; written by its worker, read by status.</summary>
public sealed class UplinkStatus(string name)
{
    private readonly Lock _gate = new();
    private long _sent;
    private long _retried;
    private long _quarantined;
    private long _failedAttempts;

    public string Name => name;
    public UplinkState State { get; private set; } = UplinkState.Starting;
    public bool Misconfigured => State == UplinkState.Misconfigured;
    public DateTimeOffset? LastSuccess { get; private set; }
    public string? LastError { get; private set; }
    public DateTimeOffset? LastErrorAt { get; private set; }

    /// <summary>Records the far side took (a record resent after a timeout may count twice).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Records sent again: refused one by one (throttled, internal failure) or in a request that failed as a whole.</summary>
    public long Retried => Interlocked.Read(ref _retried);

    /// <summary>Records moved to the quarantine file (refused as invalid, or over the size limit).</summary>
    public long Quarantined => Interlocked.Read(ref _quarantined);

    /// <summary>Attempts after which nothing went through.</summary>
    public long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    /// <summary>Time of the oldest reading not yet delivered (null when caught up).</summary>
    public DateTimeOffset? OldestUnsent { get; private set; }

    /// <summary>True while a backlog drains with the live lane on.</summary>
    public bool Draining { get; private set; }

    /// <summary>Records per second the pacer allows; null when not throttled.</summary>
    public double? PaceLimit { get; private set; }

    public void Waiting(DateTimeOffset? oldest, bool draining, double? paceLimit)
    {
        lock (_gate)
        {
            OldestUnsent = oldest;
            Draining = draining;
            PaceLimit = paceLimit;
        }
    }

    public void Delivered(int records, int retried, DateTimeOffset at)
    {
        lock (_gate)
        {
            Interlocked.Add(ref _sent, records);
            Interlocked.Add(ref _retried, retried);
            if (records == 0) return;
            State = UplinkState.Connected;
            LastSuccess = at;
        }
    }

    public void CountRetried(int records) => Interlocked.Add(ref _retried, records);

    public void CountQuarantined(int records) => Interlocked.Add(ref _quarantined, records);

    public void Failed(string error, bool misconfigured, DateTimeOffset at)
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _failedAttempts);
            State = misconfigured ? UplinkState.Misconfigured : UplinkState.BackingOff;
            LastError = error;
            LastErrorAt = at;
        }
    }

    public void Idle()
    {
        lock (_gate)
        {
            if (State == UplinkState.Starting) State = UplinkState.Connected;
            OldestUnsent = null;
        }
    }

    public void Stop()
    {
        lock (_gate) State = UplinkState.Stopped;
    }
}

/// <summary>The status of every uplink, by name; workers add theirs, the status API reads them.</summary>
public sealed class UplinkStatuses
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, UplinkStatus> _all = new();

    public UplinkStatus Add(string name) => _all.GetOrAdd(name, n => new UplinkStatus(n));

    public IReadOnlyList<UplinkStatus> All => [.. _all.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];
}
