namespace FarmGateway.Uplinks;

/// <summary>What an uplink is doing, as the status API shows it.</summary>
public enum UplinkState
{
    Starting,
    Connected,
    BackingOff,
    Stopped,
}

/// <summary>Live state of one uplink; written by its worker, read by status.</summary>
public sealed class UplinkStatus(string name)
{
    private readonly Lock _gate = new();
    private long _sent;
    private long _failedAttempts;

    public string Name => name;
    public UplinkState State { get; private set; } = UplinkState.Starting;
    public DateTimeOffset? LastSuccess { get; private set; }
    public string? LastError { get; private set; }
    public long Sent => Interlocked.Read(ref _sent);
    public long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    /// <summary>Time of the oldest reading not yet delivered (null when caught up).</summary>
    public DateTimeOffset? OldestUnsent { get; private set; }

    /// <summary>A batch is on its way; <paramref name="oldest"/> is the time of its first reading.</summary>
    public void Sending(DateTimeOffset? oldest)
    {
        lock (_gate) OldestUnsent = oldest;
    }

    public void Delivered(int records, DateTimeOffset at)
    {
        lock (_gate)
        {
            Interlocked.Add(ref _sent, records);
            State = UplinkState.Connected;
            LastSuccess = at;
        }
    }

    public void Failed(string error)
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _failedAttempts);
            State = UplinkState.BackingOff;
            LastError = error;
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
