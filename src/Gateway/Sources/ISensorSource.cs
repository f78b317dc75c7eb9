using FarmGateway.Drivers;

namespace FarmGateway.Sources;

/// <summary>
/// A configured sensor as the gateway sees it. Adding a chip means one driver folder in
/// src/Drivers and one adapter here that implements this.
/// </summary>
public interface ISensorSource : IDisposable
{
    string Name { get; }

    /// <summary>Model written into records, e.g. "DHT22".</summary>
    string Model { get; }

    TimeSpan Interval { get; }

    /// <summary>Takes one measurement. Expected failures come back as <see cref="SensorReadResult.Failed"/>.</summary>
    ValueTask<SensorReadResult> ReadAsync(DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>A sample, or why there is none.</summary>
public readonly record struct SensorReadResult(ClimateSample? Sample, string? Error)
{
    public static SensorReadResult Ok(ClimateSample sample) => new(sample, null);
    public static SensorReadResult Failed(string error) => new(null, error);
}
