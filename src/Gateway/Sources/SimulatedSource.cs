using FarmGateway.Drivers;
using FarmGateway.Drivers.Simulated;

namespace FarmGateway.Sources;

/// <summary>Type Simulated: DHT22- or SCD30-like values, so the gateway runs with no hardware.</summary>
public sealed class SimulatedSource(string name, TimeSpan interval, SimulatedProfile profile, int seed, TimeSpan utcOffset) : ISensorSource
{
    private readonly SimulatedClimateSensor _sensor = new(profile, seed, utcOffset);

    public string Name => name;
    public string Model => _sensor.Model;
    public TimeSpan Interval => interval;

    public ValueTask<SensorResult> ReadAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        ValueTask.FromResult(SensorResult.Ok(_sensor.Read(now)));

    public void Dispose()
    {
    }
}
