namespace FarmGateway.Sources;

/// <summary>Turns validated sensor options into sources.</summary>
public interface ISensorFactory
{
    ISensorSource Create(SensorOptions sensor);
}

/// <summary>The one place that knows every sensor type.</summary>
public sealed class SensorFactory(TimeProvider time) : ISensorFactory
{
    public ISensorSource Create(SensorOptions sensor) => sensor.Type switch
    {
        SensorType.Simulated => new SimulatedSource(
            sensor.Name!, sensor.Interval!.Value, sensor.Profile!.Value, sensor.Seed!.Value,
            time.LocalTimeZone.GetUtcOffset(time.GetUtcNow())),
        _ => throw new ArgumentOutOfRangeException(nameof(sensor), sensor.Type, "validation lets only known types through"),
    };
}
