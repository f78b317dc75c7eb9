using System.Globalization;
using FarmGateway.Configuration;
using FarmGateway.Drivers;
using FarmGateway.Hosting;
using FarmGateway.Sources;

namespace FarmGateway.Cli;

/// <summary>
/// <c>check-sensors</c>: reads every enabled sensor of the configuration once and prints one
/// line each, the value or what is wrong and what to do, so a technician can check the wiring
/// and config.txt without starting the service or reading logs. Writes nothing. Exit 0 when
/// every sensor gave a reading, 1 when one did not, 78 when the configuration is invalid.
/// </summary>
public static class SensorCheck
{
    public const string Verb = "check-sensors";
    public const int SensorsFailed = 1;

    // A DHT22 drops its first read and an SCD30 its first 0 ppm frame: a few reads give each a fair chance.
    private const int MaxReads = 3;

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken = default)
    {
        var load = GatewayConfiguration.Load(args);
        if (load.Errors.Count > 0) return GatewayHost.ConfigurationFailed(load.Errors);

        var sensors = load.Options!.Sensors.Where(s => s.Enabled).ToList();
        if (sensors.Count == 0)
        {
            output.WriteLine("no sensor is enabled in the configuration");
            return SensorsFailed;
        }
        output.WriteLine($"reading {sensors.Count} sensor(s); a DHT22 takes about 5 s, an SCD30 up to two of its intervals");
        var factory = new SensorFactory(TimeProvider.System);
        var lines = await Task.WhenAll(sensors.Select(s => CheckAsync(factory, s, cancellationToken)));
        foreach (var (line, _) in lines) output.WriteLine(line);
        var failed = lines.Count(l => !l.Ok);
        output.WriteLine(failed == 0
            ? $"all {sensors.Count} sensor(s) read"
            : $"{failed} of {sensors.Count} sensor(s) gave no reading; docs/hardware.md has the checklist");
        return failed == 0 ? ExitCodes.Ok : SensorsFailed;
    }

    private static async Task<(string Line, bool Ok)> CheckAsync(ISensorFactory factory, SensorOptions sensor, CancellationToken cancellationToken)
    {
        var name = $"{sensor.Name} ({sensor.Type})";
        ISensorSource source;
        try
        {
            source = factory.Create(sensor);
        }
        catch (Exception e)
        {
            return ($"{name}: cannot be set up: {e.Message}", false);
        }
        using (source)
        {
            SensorError? last = null;
            for (var read = 0; read < MaxReads; read++)
            {
                if (read > 0) await Task.Delay(Pause(sensor), cancellationToken);
                var result = await source.ReadAsync(DateTimeOffset.UtcNow, cancellationToken);
                if (result.Sample is { } sample) return ($"{sensor.Name} ({source.Model}): ok, {Describe(sample)}", true);
                last = result.Error;
                if (last is { } e && SensorHealth.NeedsTechnician(e.Kind)) break;
            }
            return ($"{sensor.Name} ({source.Model}): FAILED, {last}", false);
        }
    }

    // Drivers keep their own minimum spacing; this only avoids hammering the simulated and IIO ones.
    private static TimeSpan Pause(SensorOptions sensor) =>
        sensor.Type is SensorType.Dht22 or SensorType.Scd30 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(200);

    private static string Describe(ClimateSample sample) => string.Join(", ", new[]
    {
        sample.TemperatureC is { } t ? string.Create(CultureInfo.InvariantCulture, $"{t:0.##} °C") : null,
        sample.HumidityPercent is { } h ? string.Create(CultureInfo.InvariantCulture, $"{h:0.##} %RH") : null,
        sample.Co2Ppm is { } c ? string.Create(CultureInfo.InvariantCulture, $"{c:0.#} ppm CO2") : null,
        sample.PressureHpa is { } p ? string.Create(CultureInfo.InvariantCulture, $"{p:0.##} hPa") : null,
    }.OfType<string>());
}
