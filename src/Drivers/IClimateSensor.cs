namespace FarmGateway.Drivers;

/// <summary>
/// A climate sensor driver. One reader at a time; a read may block on the device for about a
/// second (DHT22) or wait out the chip's delays, so callers keep it off latency-sensitive paths.
/// </summary>
public interface IClimateSensor : IDisposable
{
    /// <summary>Chip model written into records, e.g. "DHT22", "SCD30", "BME280".</summary>
    string Model { get; }

    /// <summary>
    /// Takes one measurement. Never throws for device failures (they come back as
    /// <see cref="SensorResult.Error"/>); throws only <see cref="OperationCanceledException"/>, promptly.
    /// A driver that failed to start tries again on the next read, so a sensor that comes back is picked up.
    /// </summary>
    ValueTask<SensorResult> ReadAsync(CancellationToken cancellationToken);
}
