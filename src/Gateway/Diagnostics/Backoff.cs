namespace FarmGateway.Diagnostics;

/// <summary>
/// Capped exponential backoff with jitter for a loop that retries while the journal keeps the
/// data: 1 s, 2 s, 4 s ... up to the cap, each delay spread by ±20 % so many gateways that lost
/// the same network do not retry in step. <see cref="Reset"/> after a success.
/// </summary>
public sealed class Backoff(TimeSpan initial, TimeSpan cap, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;
    private TimeSpan _next;

    /// <summary>True while failures are being retried (since the first failure, until a success).</summary>
    public bool Failing { get; private set; }

    /// <summary>Records a failure; returns how long to wait before the next attempt.</summary>
    public TimeSpan Fail()
    {
        Failing = true;
        var delay = _next == TimeSpan.Zero ? initial : _next;
        _next = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, cap.Ticks));
        return delay * (0.8 + 0.4 * _random.NextDouble());
    }

    public void Reset()
    {
        Failing = false;
        _next = TimeSpan.Zero;
    }
}
