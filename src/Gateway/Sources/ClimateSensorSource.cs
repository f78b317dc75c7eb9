using FarmGateway.Drivers;

namespace FarmGateway.Sources;

/// <summary>
/// A hardware driver as a source. A driver read blocks on the device (the kernel dht11 driver
/// takes about a second, SCD30 transfers stretch the clock), so it runs on the thread pool,
/// never on the poll loop's timer.
/// </summary>
public sealed class ClimateSensorSource(string name, TimeSpan interval, IClimateSensor driver) : ISensorSource
{
    public string Name => name;
    public string Model => driver.Model;
    public TimeSpan Interval => interval;

    public async ValueTask<SensorResult> ReadAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        await Task.Run(() => driver.ReadAsync(cancellationToken).AsTask(), cancellationToken);

    public void Dispose() => driver.Dispose();
}
