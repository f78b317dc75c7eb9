using System.Text.Json;
using FarmGateway.IntegrationTests.Testing;

namespace FarmGateway.IntegrationTests.Mqtt;

/// <summary>
/// The real gateway process publishing live values to a real mosquitto, checked with
/// mosquitto_sub as an independent subscriber: retained state, availability with the last will,
/// Home Assistant discovery (against the documented schema), re-announce, removal.
/// </summary>
public sealed class LivePublishingTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private Mosquitto _broker = null!;

    public async Task InitializeAsync() => _broker = await Mosquitto.StartAsync(persistence: false);

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _dir.Dispose();
    }

    private string[] Args(params string[] more) =>
    [
        $"--Gateway:DataDirectory={_dir.Combine("data")}",
        "--Gateway:Id=test-barn",
        "--Gateway:Sensors:0:Interval=00:00:00.200",
        "--Gateway:Sensors:1:Interval=00:00:00.300",
        "--Gateway:Mqtt:Publish:Enabled=true",
        "--Gateway:Mqtt:Publish:HealthInterval=00:00:05",
        "--Gateway:Mqtt:Broker:Host=127.0.0.1",
        $"--Gateway:Mqtt:Broker:Port={_broker.PlainPort}",
        .. more,
    ];

    private async Task<Dictionary<string, string>> RetainedAsync(string filter, int count)
    {
        var lines = await _broker.SubscribeAsync(filter, count, TimeSpan.FromSeconds(10), retainedOnly: true);
        return lines.Select(l => l.Split(' ', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
    }

    [Fact]
    public async Task Publish_RetainedStateAvailabilityAndHealth_AreThereForAFreshSubscriber()
    {
        using var gateway = GatewayProcess.Start(Args());
        await Eventually.True(() => gateway.Stdout.Contains("MQTT connected", StringComparison.Ordinal), "connected",
            TimeSpan.FromSeconds(30), () => gateway.Stdout + gateway.Stderr + _broker.Diagnostics);
        // Two state topics need a reading each; poll until a fresh subscriber finds both retained.
        Dictionary<string, string> states = [];
        await Eventually.True(async () => (states = await RetainedAsync("farm/test-barn/+/state", 2)).Count == 2,
            "retained state of both sensors", TimeSpan.FromSeconds(30));

        var co2 = JsonDocument.Parse(states["farm/test-barn/sim-co2/state"]).RootElement;
        Assert.InRange(co2.GetProperty("co2").GetDouble(), 400, 40_000);
        Assert.Equal("Simulated-SCD30", co2.GetProperty("model").GetString());
        var climate = JsonDocument.Parse(states["farm/test-barn/sim-climate/state"]).RootElement;
        Assert.True(climate.TryGetProperty("temperature", out _));
        Assert.False(climate.TryGetProperty("co2", out _));
        Assert.Equal("online", (await RetainedAsync("farm/test-barn/status", 1))["farm/test-barn/status"]);
        var health = JsonDocument.Parse((await RetainedAsync("farm/test-barn/health", 1))["farm/test-barn/health"]).RootElement;
        Assert.True(health.TryGetProperty("backlog", out _));

        gateway.Signal("TERM");
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("offline", (await RetainedAsync("farm/test-barn/status", 1))["farm/test-barn/status"]);
    }

    [Fact]
    public async Task GatewayKilled_TheLastWillSaysOffline()
    {
        using var gateway = GatewayProcess.Start(Args());
        await Eventually.True(async () => (await RetainedAsync("farm/test-barn/status", 1)).GetValueOrDefault("farm/test-barn/status") == "online",
            "online", TimeSpan.FromSeconds(30));

        gateway.Kill();
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30));

        await Eventually.True(async () => (await RetainedAsync("farm/test-barn/status", 1)).GetValueOrDefault("farm/test-barn/status") == "offline",
            "the will", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Discovery_MatchesTheDocumentedSchema_IsResentWhenHomeAssistantAnnouncesItself_AndRemovedSensorsAreDeleted()
    {
        var schema = JsonSchemaValidator.FromFile(Path.Combine(RepositoryRoot.Path, "tests", "Gateway.Tests", "Mqtt", "Publishing", "home-assistant-mqtt-sensor.schema.json"));
        const string configs = "homeassistant/sensor/test-barn/+/config";
        // sim-climate: temperature, humidity; sim-co2: co2, temperature, humidity; the gateway: 4 health entities.
        const int expected = 2 + 3 + 4;
        using (var gateway = GatewayProcess.Start(Args()))
        {
            Dictionary<string, string> found = [];
            await Eventually.True(async () => (found = await RetainedAsync(configs, expected)).Count == expected,
                $"{expected} retained discovery configs", TimeSpan.FromSeconds(30), () => string.Join("\n", found.Keys) + gateway.Stdout);
            Assert.All(found.Values, payload => Assert.Empty(schema.Validate(JsonDocument.Parse(payload).RootElement)));
            Assert.Contains("homeassistant/sensor/test-barn/sim-co2_co2/config", found.Keys);

            // Home Assistant restarted: it says so, and the gateway announces everything again.
            await using var watcher = await _broker.StartSubscriberAsync(configs);
            await Eventually.True(() => watcher.Lines.Count >= expected, "retained on subscribe", TimeSpan.FromSeconds(10));
            await _broker.PublishAsync("homeassistant/status", "online");
            await Eventually.True(() => watcher.Lines.Count >= 2 * expected - 4, "configs re-sent", TimeSpan.FromSeconds(30));

            gateway.Signal("TERM");
            Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        // sim-co2 leaves the configuration: its three entities are removed (empty retained payloads).
        using (var gateway = GatewayProcess.Start(Args("--Gateway:Sensors:1:Enabled=false")))
        {
            await Eventually.True(async () => (await RetainedAsync(configs, expected)).Keys.All(t => !t.Contains("sim-co2", StringComparison.Ordinal)),
                "sim-co2 configs removed", TimeSpan.FromSeconds(30), () => gateway.Stdout);
            Assert.Contains("Home Assistant entities of 3 removed sensor metric(s) deleted", gateway.Stdout);
            gateway.Signal("TERM");
            Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
    }
}
