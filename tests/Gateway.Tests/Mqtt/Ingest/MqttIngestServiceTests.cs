using System.Text;
using FarmGateway.Journal;
using FarmGateway.Mqtt;
using FarmGateway.Mqtt.Client;
using FarmGateway.Mqtt.Ingest;
using FarmGateway.Mqtt.Packets;
using FarmGateway.Readings;
using FarmGateway.Sources;
using FarmGateway.Status;
using FarmGateway.Tests.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FarmGateway.Tests.Mqtt.Ingest;

/// <summary>What the ingest does with each message before the journal: refuse (and acknowledge) or hand over (and wait).</summary>
public sealed class MqttIngestServiceTests : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new();
    private readonly GatewayCounters _counters = new();
    private readonly CapturingLogger<MqttIngestService> _logger = new();
    private readonly DiskJournal _journal;
    private readonly ReadingQueue _queue;
    private readonly BarnBroker _broker;
    private readonly MqttIngestService _ingest;
    private readonly MqttIngestOptions _rule = new() { Topic = "esp/+/sensor", SensorFromTopicLevel = 2, Model = "ESP32" };

    public MqttIngestServiceTests()
    {
        var options = Options.Create(TestOptions.Gateway(_dir.Path, o =>
        {
            o.Mqtt.Broker.ClientId = "farm-gateway-test";
            o.Mqtt.Publish.TopicPrefix = "farm/test";
            o.Mqtt.Ingest = [_rule];
        }));
        _journal = DiskJournal.Open(_dir.Combine("journal"), new JournalOptions(), _time);
        _queue = new ReadingQueue(_counters);
        _broker = new BarnBroker(options, _time, NullLogger<BarnBroker>.Instance);
        _ingest = new MqttIngestService(_broker, options, _queue, new DurableCommit(_journal), _counters, new SyncedClock(), _time, _logger);
    }

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        _journal.Dispose();
        _dir.Dispose();
    }

    private static MqttIncomingMessage Message(string topic, string payload) =>
        new(topic, Encoding.UTF8.GetBytes(payload), MqttQos.AtLeastOnce, Retain: false, Dup: false);

    [Fact]
    public async Task BadPayloads_AreAcknowledgedCountedAndLoggedOnceAMinutePerTopic()
    {
        for (var i = 0; i < 5; i++) await _ingest.HandleAsync(_rule, Message("esp/node1/sensor", "{\"temperature\":\"warm\"}"));
        await _ingest.HandleAsync(_rule, Message("esp/node2/sensor", "not json"));
        _time.Advance(TimeSpan.FromMinutes(1.1));
        await _ingest.HandleAsync(_rule, Message("esp/node1/sensor", "{\"humidity\":140}"));

        Assert.Equal(7, _counters.Dropped[MqttIngestService.RefusedReason]);
        Assert.Equal(0, _queue.Reader.Count);
        var logged = _logger.Messages(5102).ToList();
        Assert.Equal(3, logged.Count);
        Assert.Contains("esp/node1/sensor dropped: temperature must be a JSON number", logged[0]);
        Assert.Contains("esp/node2/sensor dropped: payload is not valid JSON", logged[1]);
        Assert.Contains("humidity 140 is outside 0..100 (4 more from this topic not logged)", logged[2]);
    }

    [Fact]
    public async Task TopicLevelThatIsNoSensorName_IsRefusedSayingWhichLevel()
    {
        await _ingest.HandleAsync(_rule, Message("esp/no de/sensor", "{\"temperature\":20}"));

        Assert.Contains("topic level 2 ('no de') is not a sensor name", Assert.Single(_logger.Messages(5102)));
    }

    [Fact]
    public async Task GoodPayload_BecomesAReadingOfTheTopicsSensor_AndIsNotAcknowledgedBeforeItIsDurable()
    {
        var handled = _ingest.HandleAsync(_rule, Message("esp/barn1-node/sensor", "{\"temperature\":-1.5,\"humidity\":88}")).AsTask();

        Assert.True(_queue.Reader.TryRead(out var reading));
        Assert.Equal(("barn1-node", "ESP32", -1.5, 88.0), (reading!.Sensor, reading.Model, reading.Values.TemperatureC, reading.Values.HumidityPercent));
        Assert.False(handled.IsCompleted); // not in the journal yet: no PUBACK
    }

    [Fact]
    public async Task Acknowledgement_ComesOnlyOnceTheReadingIsDurable()
    {
        var handled = _ingest.HandleAsync(_rule, Message("esp/n1/sensor", "{\"co2\":655}")).AsTask();
        Assert.True(_queue.Reader.TryRead(out var reading));

        // What the journal service does: append, then tell the receipt. The journal's own group
        // commit is a second away; the ingest must ask for the fsync and wait for it.
        var sequence = _journal.Append(Encoding.UTF8.GetBytes("{\"co2\":655}"));
        Assert.Equal(-1, _journal.DurableSequence);
        reading!.Receipt!.SetAppended(sequence);
        await handled.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(_journal.DurableSequence >= sequence, "acknowledged before the reading was durable");
    }

    [Fact]
    public async Task RetainedReplay_IsSkipped_NotJournaledAgainAtEveryReconnect()
    {
        await _ingest.HandleAsync(_rule, new MqttIncomingMessage("esp/n1/sensor", Encoding.UTF8.GetBytes("{\"temperature\":20}"),
            MqttQos.AtLeastOnce, Retain: true, Dup: false));

        Assert.Equal(0, _queue.Reader.Count);
        Assert.Equal(0, _counters.DroppedTotal);
    }

    [Fact]
    public async Task QueueClosed_TheMessageIsNotAcknowledged()
    {
        _queue.Complete();

        await Assert.ThrowsAsync<IOException>(() => _ingest.HandleAsync(_rule, Message("esp/n1/sensor", "{\"temperature\":20}")).AsTask());
        // The broker delivers it again: nothing is lost, so nothing is counted as dropped.
        Assert.Equal(0, _counters.DroppedTotal);
    }

    private sealed class SyncedClock : IClockState
    {
        public bool IsSynchronized => true;
    }
}
