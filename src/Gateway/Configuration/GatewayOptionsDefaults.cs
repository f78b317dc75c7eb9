using FarmGateway.Drivers.Simulated;
using Microsoft.Extensions.Options;

namespace FarmGateway.Configuration;

/// <summary>
/// Fills in defaults that depend on the machine (host name, systemd's state directory) or on
/// other keys (the outbox below the data directory), so the rest of the gateway reads final
/// values and never repeats this logic.
/// </summary>
public sealed class GatewayOptionsDefaults : IPostConfigureOptions<GatewayOptions>
{
    public const string DefaultDataDirectory = "data";

    public void PostConfigure(string? name, GatewayOptions options) => Apply(options);

    public static void Apply(GatewayOptions options)
    {
        options.Id = Blank(options.Id) ?? Environment.MachineName;
        options.Site = Blank(options.Site);
        options.Location = Blank(options.Location);
        var dataDirectory = Blank(options.DataDirectory)
                            ?? Blank(FirstPath(Environment.GetEnvironmentVariable("STATE_DIRECTORY")))
                            ?? DefaultDataDirectory;
        options.DataDirectory = Path.GetFullPath(dataDirectory);

        var file = options.Uplinks.File;
        file.Directory = Path.GetFullPath(Blank(file.Directory) ?? "outbox", options.DataDirectory);

        var kinesis = options.Uplinks.Kinesis;
        kinesis.StreamName = Blank(kinesis.StreamName);
        kinesis.Region = Blank(kinesis.Region);
        kinesis.Profile = Blank(kinesis.Profile);
        kinesis.ServiceUrl = Blank(kinesis.ServiceUrl);
        var api = options.Uplinks.ApiGateway;
        api.Url = Blank(api.Url);
        api.ApiKey = string.IsNullOrEmpty(api.ApiKey) ? null : api.ApiKey;
        api.Region = Blank(api.Region);
        api.Profile = Blank(api.Profile);

        var mqtt = options.Mqtt;
        mqtt.Broker.Host = Blank(mqtt.Broker.Host);
        mqtt.Broker.Username = Blank(mqtt.Broker.Username);
        mqtt.Broker.Password = string.IsNullOrEmpty(mqtt.Broker.Password) ? null : mqtt.Broker.Password;
        mqtt.Broker.CaFile = Blank(mqtt.Broker.CaFile);
        mqtt.Broker.CertificateFile = Blank(mqtt.Broker.CertificateFile);
        mqtt.Broker.PrivateKeyFile = Blank(mqtt.Broker.PrivateKeyFile);
        mqtt.Broker.ClientId = Blank(mqtt.Broker.ClientId) ?? $"farm-gateway-{options.Id}";
        mqtt.Publish.TopicPrefix = Blank(mqtt.Publish.TopicPrefix)?.Trim('/') ?? $"farm/{options.Id}";

        foreach (var sensor in options.Sensors)
        {
            sensor.Name = Blank(sensor.Name);
            sensor.Interval ??= Sources.SensorOptions.DefaultInterval;
            sensor.Device = Blank(sensor.Device);
            sensor.DevicePath = Blank(sensor.DevicePath);
            sensor.Model = Blank(sensor.Model);
            if (sensor.Type == Sources.SensorType.Scd30) sensor.I2cBus ??= 1;
            if (sensor.Type == Sources.SensorType.Simulated)
            {
                sensor.Profile ??= SimulatedProfile.Dht22;
                sensor.Seed ??= StableSeed(sensor.Name ?? "");
            }
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    // systemd passes several state directories separated by ':'; the first is ours.
    private static string? FirstPath(string? value) => value?.Split(':')[0];

    // string.GetHashCode is randomised per process; a seed must repeat across runs.
    private static int StableSeed(string name)
    {
        uint hash = 2166136261;
        foreach (var c in name) hash = (hash ^ c) * 16777619;
        return (int)(hash & 0x7fffffff);
    }
}
