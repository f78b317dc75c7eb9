using System.Collections.Concurrent;
using System.Threading.Channels;
using System.Reflection;
using FarmGateway.Configuration;
using FarmGateway.Mqtt.Client;
using FarmGateway.Mqtt.Packets;
using FarmGateway.Readings;
using FarmGateway.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FarmGateway.Mqtt.Publishing;

/// <summary>
/// Keeps the barn broker's retained topics current: each sensor's latest values, the gateway's
/// health, and (optionally) Home Assistant discovery for every sensor metric and the health
/// entities. It reads <see cref="LatestReadings"/>, which never blocks the sensors or the
/// journal; while the broker is away nothing piles up, and on every reconnect the newest state
/// of everything is published again. Discovery is re-sent when Home Assistant announces itself
/// on homeassistant/status, and entities of sensors no longer configured are removed.
/// </summary>
public sealed class LivePublisher : BackgroundService
{
    /// <summary>How long after subscribing the broker's retained discovery configs are taken as complete.</summary>
    public static readonly TimeSpan RetainedSettle = TimeSpan.FromSeconds(2);

    private static readonly string Version =
        typeof(LivePublisher).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private readonly BarnBroker _broker;
    private readonly LatestReadings _latest;
    private readonly GatewayStatus _status;
    private readonly GatewayOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<LivePublisher> _logger;
    private readonly HomeAssistantDiscovery? _discovery;
    private readonly ConcurrentDictionary<string, DiscoveryMessage> _announced = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _retainedConfigs = new(StringComparer.Ordinal);
    private readonly Channel<bool> _republish = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public LivePublisher(BarnBroker broker, LatestReadings latest, GatewayStatus status, IOptions<GatewayOptions> options,
        TimeProvider time, ILogger<LivePublisher> logger)
    {
        _broker = broker;
        _latest = latest;
        _status = status;
        _options = options.Value;
        _time = time;
        _logger = logger;
        var publish = _options.Mqtt.Publish;
        if (publish.HomeAssistantDiscovery)
        {
            _discovery = new HomeAssistantDiscovery(_options.Id!, broker.Topics, publish.DiscoveryPrefix);
            broker.Route(_discovery.StatusTopic, OnHomeAssistantStatus);
            broker.Route(_discovery.OwnConfigsFilter, OnRetainedConfig);
        }
        broker.OnConnected(OnConnectedAsync);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        MqttPublishLog.Publishing(_logger, _options.Mqtt.Broker.ToClientOptions(null).Endpoint, _broker.Topics.Prefix,
            _discovery is null ? "off" : "on");
        using var health = new PeriodicTimer(_options.Mqtt.Publish.HealthInterval, _time);
        var healthTick = health.WaitForNextTickAsync(stoppingToken).AsTask();
        // Each wait is made again only once it completed: a channel keeps every waiter until
        // something is written, so a fresh wait per pass would pile up between reconnects.
        Task<bool>? changed = null, republish = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                changed ??= _latest.WaitAsync(stoppingToken).AsTask();
                republish ??= _republish.Reader.WaitToReadAsync(stoppingToken).AsTask();
                await Task.WhenAny(changed, republish, healthTick);
                if (healthTick.IsCompleted)
                {
                    if (!await healthTick) return;
                    healthTick = health.WaitForNextTickAsync(stoppingToken).AsTask();
                    await PublishHealthAsync(stoppingToken);
                }
                if (republish.IsCompleted)
                {
                    republish = null;
                    if (_republish.Reader.TryRead(out _)) await PublishAllAsync(stoppingToken);
                }
                if (changed.IsCompleted)
                {
                    changed = null;
                    await PublishStatesAsync(_latest.TakeChanged(), stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // After a (re)connect: everything again, from the publisher's own loop.
    private async ValueTask OnConnectedAsync(bool sessionPresent, CancellationToken connectionEnded)
    {
        if (_discovery is not null)
        {
            _retainedConfigs.Clear();
            await _broker.Client.SubscribeAsync([new MqttTopicFilter(_discovery.StatusTopic), new MqttTopicFilter(_discovery.OwnConfigsFilter)],
                connectionEnded);
            _ = RemoveStaleAfterSettleAsync(connectionEnded);
        }
        _republish.Writer.TryWrite(true);
    }

    private ValueTask OnHomeAssistantStatus(MqttIncomingMessage message)
    {
        // Home Assistant (re)started and lost what it knew: announce everything again.
        if (message.Payload.Span.SequenceEqual(BarnBroker.Online)) _republish.Writer.TryWrite(true);
        return ValueTask.CompletedTask;
    }

    private ValueTask OnRetainedConfig(MqttIncomingMessage message)
    {
        if (message.Retain && message.Payload.Length > 0) _retainedConfigs[message.Topic] = true;
        return ValueTask.CompletedTask;
    }

    private async Task RemoveStaleAfterSettleAsync(CancellationToken connectionEnded)
    {
        try
        {
            await Task.Delay(RetainedSettle, _time, connectionEnded);
            var configured = _options.Sensors.Where(s => s.Enabled).Select(s => s.Name!);
            var stale = HomeAssistantDiscovery.Stale(_retainedConfigs.Keys, _discovery!.OwnConfigTopics(configured, Version)).ToList();
            foreach (var topic in stale)
                await PublishAsync(HomeAssistantDiscovery.Removal(topic), connectionEnded);
            if (stale.Count > 0) MqttPublishLog.StaleRemoved(_logger, stale.Count, string.Join(", ", stale));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PublishAllAsync(CancellationToken cancellationToken)
    {
        if (_discovery is not null)
        {
            foreach (var message in _discovery.GatewayHealth(Version)) await PublishAsync(message, cancellationToken);
            _announced.Clear();
        }
        await PublishStatesAsync(_latest.All, cancellationToken);
        await PublishHealthAsync(cancellationToken);
    }

    private async Task PublishStatesAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
    {
        foreach (var reading in readings)
        {
            if (_discovery is not null) await AnnounceAsync(reading, cancellationToken);
            await PublishAsync(new DiscoveryMessage(_broker.Topics.State(reading.Sensor), LivePayloads.State(reading)), cancellationToken);
        }
    }

    // Discovery for each metric the sensor has actually reported, once per connection.
    private async Task AnnounceAsync(Reading reading, CancellationToken cancellationToken)
    {
        var interval = _options.Sensors.FirstOrDefault(s => s.Name == reading.Sensor)?.Interval ?? TimeSpan.FromMinutes(1);
        var expireAfter = TimeSpan.FromTicks(Math.Max(5 * interval.Ticks, TimeSpan.FromMinutes(1).Ticks));
        foreach (var metric in Metrics(reading))
        {
            var topic = _discovery!.SensorConfigTopic(reading.Sensor, metric);
            if (_announced.ContainsKey(topic)) continue;
            var message = _discovery.SensorMetric(reading.Sensor, reading.Model, metric, expireAfter);
            if (await PublishAsync(message, cancellationToken)) _announced[topic] = message;
        }
    }

    private static IEnumerable<string> Metrics(Reading reading)
    {
        if (reading.Values.TemperatureC is not null) yield return "temperature";
        if (reading.Values.HumidityPercent is not null) yield return "humidity";
        if (reading.Values.Co2Ppm is not null) yield return "co2";
        if (reading.Values.PressureHpa is not null) yield return "pressure";
    }

    private Task<bool> PublishHealthAsync(CancellationToken cancellationToken) =>
        PublishAsync(new DiscoveryMessage(_broker.Topics.Health, LivePayloads.Health(_status.Snapshot())), cancellationToken);

    /// <summary>Retained, QoS 1; not attempted while disconnected (the reconnect publishes everything anyway).</summary>
    private async Task<bool> PublishAsync(DiscoveryMessage message, CancellationToken cancellationToken)
    {
        if (_broker.Client.State != MqttClientState.Connected) return false;
        var result = await _broker.Client.PublishAsync(message.Topic, message.Payload, MqttQos.AtLeastOnce, retain: true, cancellationToken);
        if (!result.Succeeded) MqttPublishLog.PublishSkipped(_logger, message.Topic, result.Status.ToString(), result.Reason);
        return result.Succeeded;
    }
}
