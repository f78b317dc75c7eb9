namespace FarmGateway.Drivers.Tests.Dht22;

/// <summary>Records every switch with the clock time; can fail the next switches.</summary>
public sealed class FakePowerSwitch(DriverClock clock) : IPowerSwitch
{
    private readonly Queue<SensorError> _failures = new();

    public List<(bool On, TimeSpan At)> Switches { get; } = [];

    public bool Disposed { get; private set; }

    public void FailNext(SensorError error) => _failures.Enqueue(error);

    public SensorError? SetPower(bool on)
    {
        if (_failures.TryDequeue(out var error)) return error;
        Switches.Add((on, clock.Now));
        return null;
    }

    public void Dispose() => Disposed = true;
}
