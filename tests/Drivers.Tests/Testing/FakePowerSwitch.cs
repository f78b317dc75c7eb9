namespace FarmGateway.Drivers.Tests.Testing;

/// <summary>
/// A sensor supply switch that records every switch with the driver clock's time, can fail,
/// and can be wired to an emulated chip's supply.
/// </summary>
/// <param name="supply">What the switch powers (an emulator's SetPower); null for none.</param>
public sealed class FakePowerSwitch(DriverClock clock, Action<bool>? supply = null) : IPowerSwitch
{
    private readonly Queue<SensorError> _failures = new();

    /// <summary>The switches that succeeded, in order.</summary>
    public List<(bool On, TimeSpan At)> Switches { get; } = [];

    /// <summary>When set, every switch fails with this error and the supply does not change.</summary>
    public SensorError? FailWith { get; set; }

    /// <summary>Called after each successful switch (e.g. to cancel a read while the supply is off).</summary>
    public Action<bool>? OnSwitch { get; set; }

    public bool Disposed { get; private set; }

    /// <summary>The next switch fails with <paramref name="error"/>.</summary>
    public void FailNext(SensorError error) => _failures.Enqueue(error);

    public SensorError? SetPower(bool on)
    {
        var error = FailWith ?? (_failures.TryDequeue(out var next) ? next : null);
        if (error is not null) return error;
        Switches.Add((on, clock.Now));
        supply?.Invoke(on);
        OnSwitch?.Invoke(on);
        return null;
    }

    public void Dispose() => Disposed = true;
}
