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

    /// <summary>Takes one measurement. Expected failures come back as a <see cref="SensorResult"/> with an error.</summary>
    ValueTask<SensorResult> ReadAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
