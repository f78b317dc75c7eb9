using System.Text;
using FarmGateway.Configuration;
using FarmGateway.Mqtt.Client;
using FarmGateway.Mqtt.Packets;
using FarmGateway.Mqtt.Publishing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FarmGateway.Mqtt;

/// <summary>
/// The one connection to the barn broker, shared by everything that publishes or subscribes
/// there. Its last will is a retained "offline" on the availability topic, so screens and Home
/// Assistant see a gateway that vanished; on a clean stop it says "offline" itself first (a
/// DISCONNECT discards the will). Users register before the host starts: what to do on every
/// (re)connect, and which topics they handle.
/// </summary>
public sealed class BarnBroker : IHostedService, IAsyncDisposable
{
    public static readonly byte[] Online = Encoding.UTF8.GetBytes("online");
    public static readonly byte[] Offline = Encoding.UTF8.GetBytes("offline");
    private static readonly TimeSpan OfflineTimeout = TimeSpan.FromSeconds(2);

    private readonly List<Func<bool, CancellationToken, ValueTask>> _connected = [];
    private readonly List<(string Filter, Func<MqttIncomingMessage, ValueTask> Handler)> _routes = [];
    private readonly ILogger<BarnBroker> _logger;
    private readonly Diagnostics.LogThrottle _throttle;

    public BarnBroker(IOptions<GatewayOptions> options, TimeProvider time, ILogger<BarnBroker> logger)
    {
        _logger = logger;
        _throttle = new Diagnostics.LogThrottle(time, TimeSpan.FromMinutes(1));
        var mqtt = options.Value.Mqtt;
        Topics = new LiveTopics(mqtt.Publish.TopicPrefix!);
        var will = new MqttWillMessage(Topics.Availability, Offline, MqttQos.AtLeastOnce, Retain: true);
        Client = new MqttClient(mqtt.Broker.ToClientOptions(will, persistentSession: mqtt.Ingest.Count > 0), time, logger);
        Client.OnConnected = OnConnectedAsync;
        Client.MessageHandler = DispatchAsync;
    }

    public MqttClient Client { get; }

    public LiveTopics Topics { get; }

    /// <summary>Runs after every accepted connection, in registration order, after "online" was published.</summary>
    public void OnConnected(Func<bool, CancellationToken, ValueTask> handler)
    {
        lock (_connected) _connected.Add(handler);
    }

    /// <summary>Incoming messages matching <paramref name="filter"/> go to <paramref name="handler"/> (the first route that matches).</summary>
    public void Route(string filter, Func<MqttIncomingMessage, ValueTask> handler)
    {
        lock (_routes) _routes.Add((filter, handler));
    }

    public Task StartAsync(CancellationToken cancellationToken) => Client.StartAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Client.State == MqttClientState.Connected)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(OfflineTimeout);
            await Client.PublishAsync(Topics.Availability, Offline, MqttQos.AtLeastOnce, retain: true, timeout.Token);
        }
        await Client.StopAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => Client.DisposeAsync();

    private async ValueTask OnConnectedAsync(bool sessionPresent, CancellationToken connectionEnded)
    {
        await Client.PublishAsync(Topics.Availability, Online, MqttQos.AtLeastOnce, retain: true, connectionEnded);
        Func<bool, CancellationToken, ValueTask>[] handlers;
        lock (_connected) handlers = [.. _connected];
        foreach (var handler in handlers)
        {
            try
            {
                await handler(sessionPresent, connectionEnded);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                MqttPublishLog.ConnectedHandlerFailed(_logger, e);
            }
        }
    }

    private ValueTask DispatchAsync(MqttIncomingMessage message)
    {
        Func<MqttIncomingMessage, ValueTask>? handler = null;
        lock (_routes)
        {
            foreach (var (filter, candidate) in _routes)
            {
                if (!MqttTopic.Matches(filter, message.Topic)) continue;
                handler = candidate;
                break;
            }
        }
        if (handler is null)
        {
            // A persistent session keeps subscriptions of filters since removed from the configuration.
            if (_throttle.ShouldLog(message.Topic, out var suppressed)) MqttPublishLog.Unrouted(_logger, message.Topic, suppressed);
            return ValueTask.CompletedTask;
        }
        return handler(message);
    }
}
