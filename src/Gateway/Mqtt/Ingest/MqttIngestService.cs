using System.Text.RegularExpressions;
using FarmGateway.Configuration;
using FarmGateway.Diagnostics;
using FarmGateway.Mqtt.Client;
using FarmGateway.Mqtt.Packets;
using FarmGateway.Readings;
using FarmGateway.Sources;
using FarmGateway.Status;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FarmGateway.Mqtt.Ingest;

/// <summary>
/// Readings from other sensor nodes through the barn broker, into the same journal as the
/// Pi's own sensors. Subscribed at QoS 1 on a persistent session, and a message is acknowledged
/// only once its reading is durable: a crash at any moment loses nothing the broker considers
/// delivered (it delivers the unacknowledged ones again). A payload that cannot be a reading is
/// counted with its reason, logged at most once a minute per topic, acknowledged and dropped:
/// sending it again would not make it better. Retained messages (a node's last value, replayed
/// by the broker at every subscribe) are skipped. A reading's time is the node's ts when it has
/// one, otherwise when the gateway received it: readings a broker queued while the gateway was
/// down get their delivery time unless the node sends ts.
/// </summary>
public sealed partial class MqttIngestService : Microsoft.Extensions.Hosting.IHostedService
{
    public const string RefusedReason = "MQTT payload refused";

    private readonly ReadingQueue _queue;
    private readonly DurableCommit _commit;
    private readonly GatewayCounters _counters;
    private readonly IClockState _clock;
    private readonly TimeProvider _time;
    private readonly ILogger<MqttIngestService> _logger;
    private readonly LogThrottle _throttle;

    public MqttIngestService(BarnBroker broker, IOptions<GatewayOptions> options, ReadingQueue queue, DurableCommit commit,
        GatewayCounters counters, IClockState clock, TimeProvider time, ILogger<MqttIngestService> logger)
    {
        _queue = queue;
        _commit = commit;
        _counters = counters;
        _clock = clock;
        _time = time;
        _logger = logger;
        _throttle = new LogThrottle(time, TimeSpan.FromMinutes(1));
        var rules = options.Value.Mqtt.Ingest;
        foreach (var rule in rules) broker.Route(rule.Topic!, message => HandleAsync(rule, message));
        broker.OnConnected(async (_, connectionEnded) =>
        {
            var result = await broker.Client.SubscribeAsync([.. rules.Select(r => new MqttTopicFilter(r.Topic!))], connectionEnded);
            if (result.Error is { } error) MqttIngestLog.SubscribeFailed(logger, error);
            else MqttIngestLog.Subscribed(logger, string.Join(", ", rules.Select(r => r.Topic)));
        });
    }

    // Built at host start so its routes exist before the broker connects; nothing to run itself.
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Completes when the reading is durable (then the client acknowledges); throws to leave the message unacknowledged.</summary>
    public async ValueTask HandleAsync(MqttIngestOptions rule, MqttIncomingMessage message)
    {
        // Retain=1 reaches a subscriber only as the replay of a node's last value when the
        // subscription is (re)made [MQTT-3.3.1-9]: not a new reading, and it comes again at every
        // reconnect. Live messages arrive with Retain=0 even when the node publishes retained.
        if (message.Retain)
        {
            MqttIngestLog.RetainedSkipped(_logger, message.Topic);
            return;
        }
        var sensor = MqttTopic.Level(message.Topic, rule.SensorFromTopicLevel!.Value);
        if (sensor is null || !SensorName().IsMatch(sensor))
        {
            Refuse(message.Topic, $"topic level {rule.SensorFromTopicLevel} ('{sensor}') is not a sensor name (1-64 of A-Z a-z 0-9 . _ -)");
            return;
        }
        var now = _time.GetUtcNow();
        var parsed = IngestPayload.Parse(message.Payload.Span, rule.Format, rule.Metric ?? IngestMetric.Temperature, now);
        if (parsed.Rejection is { } why)
        {
            Refuse(message.Topic, why);
            return;
        }

        var receipt = new ReadingReceipt();
        var reading = new Reading(sensor, rule.Model, parsed.Timestamp, _clock.IsSynchronized, parsed.Sample!.Value) { Receipt = receipt };
        // Full queue: not acknowledged; the client drops the connection and the broker delivers it again later.
        if (!_queue.TryAdd(reading, countRefusal: false)) throw new IOException("the reading queue is full: the journal is not keeping up");
        var sequence = await receipt.Appended;
        await _commit.WaitAsync(sequence, CancellationToken.None);
    }

    private void Refuse(string topic, string why)
    {
        _counters.AddDropped(RefusedReason);
        if (_throttle.ShouldLog(topic, out var suppressed)) MqttIngestLog.Refused(_logger, topic, why, suppressed);
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex SensorName();
}
