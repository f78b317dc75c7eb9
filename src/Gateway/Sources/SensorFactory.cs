namespace FarmGateway.Sources;

/// <summary>Turns validated sensor options into sources; the one place that knows every type.</summary>
public static class SensorFactory
{
    public static ISensorSource Create(SensorOptions sensor, TimeProvider time) => sensor.Type switch
    {
        SensorType.Simulated => new SimulatedSource(
            sensor.Name!, sensor.Interval!.Value, sensor.Profile!.Value, sensor.Seed!.Value,
            time.LocalTimeZone.GetUtcOffset(time.GetUtcNow())),
        _ => throw new ArgumentOutOfRangeException(nameof(sensor), sensor.Type, "validation lets only known types through"),
    };
}
