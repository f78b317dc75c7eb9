using System.Globalization;
using System.Text.Json;
using FarmGateway.IntegrationTests.Testing;

namespace FarmGateway.IntegrationTests.Mqtt;

/// <summary>
/// MQTT ingest through the real gateway process and a real mosquitto: a sensor node publishes
/// 10,000 QoS 1 readings, the gateway is killed with SIGKILL half-way and started again, and
/// every reading ends up in the outbox. The gateway acknowledges a message only once its
/// reading is durable, so the broker delivers again whatever was in flight at the kill.
/// </summary>
public sealed class IngestCrashTests : IAsyncLifetime
{
    private const int Messages = 10_000;
    private readonly TempDirectory _dir = new();
    private Mosquitto _broker = null!;

    // The broker keeps the gateway's session while it is dead: room for every message.
    public async Task InitializeAsync() => _broker = await Mosquitto.StartAsync(persistence: false, maxQueuedMessages: 2 * Messages);

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _dir.Dispose();
    }

    private string Outbox => _dir.Combine("data", "outbox");

    private string[] Args() =>
    [
        $"--Gateway:DataDirectory={_dir.Combine("data")}",
        "--Gateway:Id=test-barn",
        "--Gateway:Sensors:0:Enabled=false",
        "--Gateway:Sensors:1:Enabled=false",
        "--Gateway:Mqtt:Broker:Host=127.0.0.1",
        $"--Gateway:Mqtt:Broker:Port={_broker.PlainPort}",
        "--Gateway:Mqtt:Ingest:0:Topic=esp/+/sensor",
        "--Gateway:Mqtt:Ingest:0:SensorFromTopicLevel=2",
        "--Gateway:Mqtt:Ingest:0:Model=ESP32",
    ];

    /// <summary>Message n carries temperature n/1000, so each record says which message it was.</summary>
    private List<int> Delivered() => [.. Records().Select(r => r.Message)];

    /// <summary>Every record line in the outbox: its id and the message it came from.</summary>
    private List<(string Id, int Message)> Records()
    {
        if (!Directory.Exists(Outbox)) return [];
        var records = new List<(string, int)>();
        foreach (var file in Directory.GetFiles(Outbox))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            foreach (var line in new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                // A .part file may end in a line being written.
                if (!line.EndsWith('}')) continue;
                var record = JsonDocument.Parse(line).RootElement;
                records.Add((record.GetProperty("id").GetString()!, (int)Math.Round(record.GetProperty("temperature").GetDouble() * 1000)));
            }
        }
        return records;
    }

    [Fact]
    public async Task TenThousandQos1Readings_GatewayKilledHalfWay_EveryReadingIsInTheOutbox()
    {
        using var first = GatewayProcess.Start(Args()); // killed at the end even if the test fails before the kill
        await Eventually.True(() => first.Stdout.Contains("MQTT ingest subscribed", StringComparison.Ordinal), "subscribed",
            TimeSpan.FromSeconds(30), () => first.Stdout + first.Stderr);

        var payloads = Enumerable.Range(0, Messages).Select(n =>
            string.Create(CultureInfo.InvariantCulture, $$"""{"temperature":{{n / 1000.0}},"humidity":50}"""));
        var publishing = _broker.PublishManyAsync("esp/node7/sensor", payloads, qos: 1);

        await Eventually.True(() => Delivered().Count >= Messages / 4, "a quarter delivered before the kill",
            TimeSpan.FromSeconds(120), () => first.Stdout + first.Stderr);
        first.Kill();
        await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var beforeKill = Delivered().Distinct().Count();
        await publishing; // the broker has every message (queued for the dead gateway's session)

        using var second = GatewayProcess.Start(Args());
        await Eventually.True(() => Delivered().Distinct().Count() == Messages, $"all {Messages} delivered after the restart",
            TimeSpan.FromSeconds(180), () => $"{Delivered().Distinct().Count()} of {Messages}\n{second.Stdout}{second.Stderr}");
        second.Signal("TERM");
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        var records = Records();
        Assert.InRange(beforeKill, Messages / 4, Messages - 1);
        Assert.Equal(Enumerable.Range(0, Messages), records.Select(r => r.Message).Distinct().Order());
        // At-least-once: a message that was durable but not yet acknowledged at the kill is sent
        // again by the broker (DUP) and journaled again, with a new record id. Nothing else may
        // be journaled twice. (The outbox also repeats records with the same id after a kill:
        // the file uplink resends from its last saved cursor.)
        var journaledTwice = records.Select(r => r.Id).Distinct().Count() - Messages;
        var resentByBroker = _broker.Log.Split('\n').Count(l => l.Contains("Sending PUBLISH to farm-gateway-test-barn (d1", StringComparison.Ordinal));
        Assert.InRange(journaledTwice, 0, resentByBroker);
    }
}
