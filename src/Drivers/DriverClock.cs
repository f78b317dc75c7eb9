namespace FarmGateway.Drivers;

/// <summary>
/// Monotonic time and waiting for drivers: the datasheet delays (10 ms after a command, 2 s
/// after a reset, 2.1 s between DHT22 attempts) go through here so tests can run them on a
/// virtual clock that moves instantly and records every wait.
/// </summary>
public abstract class DriverClock
{
    /// <summary>Real time from <see cref="TimeProvider.System"/>.</summary>
    public static DriverClock System { get; } = From(TimeProvider.System);

    /// <summary>Monotonic time since an arbitrary start; only differences mean anything.</summary>
    public abstract TimeSpan Now { get; }

    public abstract Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken);

    public static DriverClock From(TimeProvider time) => new TimeProviderClock(time);

    private sealed class TimeProviderClock(TimeProvider time) : DriverClock
    {
        private readonly long _start = time.GetTimestamp();

        public override TimeSpan Now => time.GetElapsedTime(_start);

        public override Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
            delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, time, cancellationToken);
    }
}
