namespace FarmGateway.Uplinks;

/// <summary>
/// Paces an uplink to what the far side accepts, additive-increase/multiplicative-decrease on a
/// records-per-second limit: unlimited until the far side throttles; then the limit is half the
/// rate that was being delivered, grows by 10 % with every batch that goes through without
/// throttling, and is lifted once it is four times the rate that was throttled. A Kinesis shard
/// takes 1,000 records/s: a backlog drain settles just under what the stream accepts instead
/// of hammering it with requests that fail.
/// </summary>
public sealed class DrainPacer(TimeProvider time)
{
    public const double MinRate = 1;
    private const double Increase = 1.10;
    private const double LiftFactor = 4;
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(1);

    private double? _limit;
    private double _lift;
    private DateTimeOffset _nextAllowed;
    private DateTimeOffset _windowStart;
    private long _windowRecords;
    private double _rate;

    /// <summary>Records per second allowed now; null when not limited.</summary>
    public double? Limit => _limit;

    /// <summary>How long to wait before sending <paramref name="records"/>; reserves their slot.</summary>
    public TimeSpan Reserve(int records)
    {
        if (_limit is not { } limit) return TimeSpan.Zero;
        var now = time.GetUtcNow();
        var start = _nextAllowed > now ? _nextAllowed : now;
        _nextAllowed = start + TimeSpan.FromSeconds(records / limit);
        return start - now;
    }

    /// <summary>Records the far side took, for the measured delivery rate.</summary>
    public void Delivered(int records)
    {
        var now = time.GetUtcNow();
        if (_windowStart == default) _windowStart = now;
        _windowRecords += records;
        var elapsed = now - _windowStart;
        if (elapsed >= RateWindow)
        {
            _rate = _windowRecords / elapsed.TotalSeconds;
            _windowStart = now;
            _windowRecords = 0;
        }
    }

    /// <summary>The far side said it is over its rate: halve the limit.</summary>
    public void Throttled()
    {
        var basis = _limit ?? (_rate > 0 ? _rate : 1000);
        _limit = Math.Max(MinRate, basis / 2);
        _lift = basis * LiftFactor;
        _nextAllowed = time.GetUtcNow() + TimeSpan.FromSeconds(1 / _limit.Value);
    }

    /// <summary>A batch went through without throttling: raise the limit a little, lift it when far above the throttled rate.</summary>
    public void Clear()
    {
        if (_limit is not { } limit) return;
        limit *= Increase;
        _limit = limit >= _lift ? null : limit;
    }
}
