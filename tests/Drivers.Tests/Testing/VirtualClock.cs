using FarmGateway.Drivers;

namespace FarmGateway.Drivers.Tests.Testing;

/// <summary>
/// A driver clock that never sleeps: a delay moves time forward at once and is recorded, so a
/// test runs a driver's datasheet waits in microseconds and can check each of them.
/// </summary>
public sealed class VirtualClock : DriverClock
{
    private readonly List<TimeSpan> _delays = [];
    private readonly Lock _gate = new();
    private TimeSpan _now = TimeSpan.FromHours(1);

    public override TimeSpan Now
    {
        get { lock (_gate) return _now; }
    }

    /// <summary>Every wait the driver asked for, in order.</summary>
    public IReadOnlyList<TimeSpan> Delays
    {
        get { lock (_gate) return [.. _delays]; }
    }

    public override Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Advance(delay);
        lock (_gate) _delays.Add(delay);
        return Task.CompletedTask;
    }

    /// <summary>Time passing outside the driver (between polls).</summary>
    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(by), by, "time only moves forward");
        lock (_gate) _now += by;
    }
}
