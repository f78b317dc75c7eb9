using FarmGateway.Journal;
using FarmGateway.Mqtt.Client;
using FarmGateway.Mqtt.Packets;
using Microsoft.Extensions.Logging;

namespace FarmGateway.Uplinks.IotCore;

/// <summary>
/// Publishes every record as one MQTT message at QoS 1 to <see cref="IotCoreUplinkOptions.Topic"/>
/// on AWS IoT Core, over mutual TLS, through one <see cref="MqttClient"/> it owns. The payload is
/// the journal's schema v1 bytes, unchanged. A record counts as delivered only when its PUBACK
/// came; the journal is the buffer (clean session), not the broker. See README.md for what each
/// failure means to the worker. One batch at a time: the worker never calls
/// <see cref="SendAsync"/> concurrently.
/// </summary>
public sealed class IotCoreUplink : IUplink
{
    /// <summary>Bytes per batch: one second of IoT Core's throughput per connection.</summary>
    public const long MaxBatchBytes = IotCoreUplinkOptions.MaxBytesPerSecond;

    /// <summary>How long a send waits for the first connection after start before it reports "not connected".</summary>
    public static readonly TimeSpan ConnectWait = TimeSpan.FromSeconds(10);

    // IoT Core takes one CONNECT per second per client id; the client's jitter is ±20 %.
    private static readonly TimeSpan ReconnectDelayMin = TimeSpan.FromSeconds(2);

    private const string KeyName = "Gateway:Uplinks:IotCore";

    private readonly IotCoreUplinkOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MqttClient? _client;
    private readonly MqttClientOptions _clientOptions;
    private readonly string _topic;
    private readonly string? _problem;

    /// <summary>Completed with the current connection's "ended" token while connected; replaced when it ends.</summary>
    private TaskCompletionSource<CancellationToken> _connected = NewConnectedSignal();

    /// <summary>When the next PUBLISH may go out, to stay within IoT Core's rate per connection.</summary>
    private DateTimeOffset _nextPublishAt;

    public IotCoreUplink(IotCoreUplinkOptions options, string gatewayId, TimeProvider time, ILogger<IotCoreUplink> logger)
        : this(options, gatewayId, time, logger, adjustClient: null)
    {
    }

    /// <param name="adjustClient">For tests: changes the client's options (a plain-TCP fake broker, short reconnect delays).</param>
    internal IotCoreUplink(IotCoreUplinkOptions options, string gatewayId, TimeProvider time, ILogger<IotCoreUplink> logger,
        Action<MqttClientOptions>? adjustClient)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _topic = options.Topic?.Trim() ?? "";
        Limits = new UplinkLimits(options.MaxBatchRecords, MaxBatchBytes, IotCoreUplinkOptions.MaxPayloadBytes, options.BatchInterval).Validate();

        _clientOptions = ToClientOptions(options, Blank(options.ClientId) ?? gatewayId);
        adjustClient?.Invoke(_clientOptions);
        _problem = FindProblem();
        if (_problem is not null) return;
        try
        {
            _client = new MqttClient(_clientOptions, time, logger);
            _client.OnConnected = OnConnectedAsync;
        }
        catch (ArgumentException e)
        {
            _problem = e.Message;
        }
    }

    public string Name => "iotcore";

    public UplinkLimits Limits { get; }

    /// <summary>The MQTT client, for tests (connection attempts, dropping the connection); null when misconfigured.</summary>
    internal MqttClient? Client => _client;

    // IoT Core's 128 KB limit is on the payload; the topic comes on top and is checked at start-up.
    public long WireBytes(JournalRecord record) => record.Payload.Length;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_client is null)
        {
            IotCoreLog.Misconfigured(_logger, _problem!);
            return Task.CompletedTask;
        }
        IotCoreLog.Started(_logger, _topic, _clientOptions.Endpoint, _clientOptions.ClientId);
        foreach (var (key, file) in (ReadOnlySpan<(string, string?)>)[
                     ("CertificateFile", _clientOptions.ClientCertificateFile),
                     ("PrivateKeyFile", _clientOptions.PrivateKeyFile),
                     ("CaFile", _clientOptions.CaFile)])
        {
            if (file is not null && !System.IO.File.Exists(file)) IotCoreLog.FileMissing(_logger, $"{KeyName}:{key}", file);
        }
        return _client.StartAsync(cancellationToken);
    }

    public async Task<SendResult> SendAsync(IReadOnlyList<JournalRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return SendResult.AllDelivered;
        try
        {
            if (_client is null) throw new UplinkException(UplinkFailure.Misconfigured, _problem!);
            var connectionEnded = await ConnectedAsync(_client, cancellationToken);
            return await PublishAsync(_client, batch, connectionEnded, cancellationToken);
        }
        catch (UplinkException e)
        {
            IotCoreLog.SendFailed(_logger, batch.Count, e.Failure, e.Message);
            throw;
        }
    }

    public Task TickAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops the client: DISCONNECT, and unacknowledged publishes complete as stopped. Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_client is null) return;
        try
        {
            await _client.DisposeAsync();
        }
        catch (Exception e)
        {
            // Shutdown goes on either way: the records not acknowledged are still in the journal.
            IotCoreLog.StopFailed(_logger, e);
        }
    }

    /// <summary>
    /// Publishes the batch in order, paced to IoT Core's rate, at most MaxInFlight unacknowledged
    /// (the client's window), and waits for the PUBACKs. A record without one when the connection
    /// ends or <see cref="IotCoreUplinkOptions.AckTimeout"/> after the last PUBLISH passes is a Retry; one the client never
    /// wrote is taken back out of its queue.
    /// </summary>
    private async Task<SendResult> PublishAsync(MqttClient client, IReadOnlyList<JournalRecord> batch, CancellationToken connectionEnded,
        CancellationToken cancellationToken)
    {
        // AckTimeout counts from the last PUBLISH handed over: pacing a large batch at 100/s takes
        // seconds of its own and is not the broker's silence.
        using var ackTimeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connectionEnded, ackTimeout.Token);
        var publishes = new List<Task<MqttPublishResult>>(batch.Count);
        try
        {
            foreach (var record in batch)
            {
                await PaceAsync(record.Payload.Length, abandon.Token);
                publishes.Add(client.PublishAsync(_topic, record.Payload, MqttQos.AtLeastOnce, retain: false, abandon.Token).AsTask());
            }
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            // The rest is not published; it is reported below.
        }
        ackTimeout.CancelAfter(_options.AckTimeout);
        var results = await Task.WhenAll(publishes);
        cancellationToken.ThrowIfCancellationRequested();

        string? why = null;
        if (connectionEnded.IsCancellationRequested)
        {
            why = ConnectionLost(client);
        }
        else if (ackTimeout.IsCancellationRequested)
        {
            why = $"no PUBACK within {_options.AckTimeout.TotalSeconds:0.#} s ({KeyName}:AckTimeout); the connection was dropped";
            IotCoreLog.AckTimeout(_logger, _clientOptions.Endpoint, _options.AckTimeout);
            // A broker that keeps the connection but stopped answering would hold the in-flight window forever.
            client.DropConnection($"no PUBACK within {_options.AckTimeout.TotalSeconds:0.#} s");
        }

        var failures = new List<RecordFailure>();
        for (var i = 0; i < batch.Count; i++)
        {
            var result = i < results.Length ? results[i] : new MqttPublishResult(MqttPublishStatus.Canceled);
            switch (result.Status)
            {
                case MqttPublishStatus.Acknowledged:
                    break;
                case MqttPublishStatus.Rejected:
                    failures.Add(new(i, RecordFailureKind.Rejected, $"the MQTT client cannot send this record: {result.Reason}"));
                    break;
                case MqttPublishStatus.Stopped:
                    failures.Add(new(i, RecordFailureKind.Retry, "the uplink stopped before the PUBACK came"));
                    break;
                default:
                    failures.Add(new(i, RecordFailureKind.Retry, $"not acknowledged: {why ?? "the publish was abandoned"}"));
                    break;
            }
        }
        if (failures.Count == 0) return SendResult.AllDelivered;
        IotCoreLog.NotAcknowledged(_logger, failures.Count, batch.Count, failures[0].Reason);
        return new SendResult(failures);
    }

    /// <summary>
    /// The current connection's "ended" token. Right after start the first attempt is given
    /// <see cref="ConnectWait"/>; otherwise, not connected throws at once, classified from the
    /// client's last error, so the worker backs off (the client reconnects by itself meanwhile).
    /// </summary>
    private async Task<CancellationToken> ConnectedAsync(MqttClient client, CancellationToken cancellationToken)
    {
        var signal = Volatile.Read(ref _connected);
        if (signal.Task.IsCompletedSuccessfully && !signal.Task.Result.IsCancellationRequested) return signal.Task.Result;
        // No error yet: the first attempt is about to start or under way, or a connection was just accepted.
        if (client.LastError is null && client.State != MqttClientState.Stopped)
        {
            try
            {
                var ended = await signal.Task.WaitAsync(ConnectWait, _time, cancellationToken);
                if (!ended.IsCancellationRequested) return ended;
            }
            catch (TimeoutException)
            {
            }
        }
        throw NotConnected(client.LastError ?? $"not connected yet ({client.State})");
    }

    private UplinkException NotConnected(string reason)
    {
        var (failure, hint) = Diagnose(reason, _clientOptions.ClientId, _topic);
        return new UplinkException(failure, $"not connected to AWS IoT Core at {_clientOptions.Endpoint}: {reason}{hint}");
    }

    private string ConnectionLost(MqttClient client) =>
        $"the connection to {_clientOptions.Endpoint} ended before the PUBACK came ({client.LastError ?? "connection lost"}); "
        + $"if this repeats while the network is fine: AWS IoT Core closes the connection when the certificate's policy does not allow "
        + $"iot:Publish on '{_topic}', or when another connection uses client id '{_clientOptions.ClientId}'";

    /// <summary>
    /// What a connection error means for the worker, and what to check. Certificates, keys, trust and
    /// authorization do not fix themselves: <see cref="UplinkFailure.Misconfigured"/> (an Error, slow
    /// retries). A clock before NTP sync, a refused or dropped connection: <see cref="UplinkFailure.Transient"/>.
    /// </summary>
    internal static (UplinkFailure Failure, string Hint) Diagnose(string reason, string clientId, string topic)
    {
        bool Has(string text) => reason.Contains(text, StringComparison.OrdinalIgnoreCase);
        var policy = $"; check that the certificate is registered and ACTIVE in AWS IoT Core (this account and region) "
                     + $"and that its policy allows iot:Connect for client id '{clientId}' and iot:Publish on '{topic}'";

        if (Has("NotTimeValid") || Has("check the clock")) return (UplinkFailure.Transient, "");
        if (Has("server certificate not trusted"))
            return (UplinkFailure.Misconfigured, $"; check {KeyName}:CaFile (AmazonRootCA1.pem for an -ats endpoint) and {KeyName}:Endpoint");
        if (Has("does not match host name") || Has("server sent no certificate"))
            return (UplinkFailure.Misconfigured, $"; check {KeyName}:Endpoint (aws iot describe-endpoint --endpoint-type iot:Data-ATS) and {KeyName}:Port");
        if (Has("CA file") && Has("cannot be read"))
            return (UplinkFailure.Misconfigured, $"; check {KeyName}:CaFile (a PEM certificate the gateway's user can read)");
        if (Has("client certificate") && Has("cannot be loaded"))
            return (UplinkFailure.Misconfigured,
                $"; check {KeyName}:CertificateFile and {KeyName}:PrivateKeyFile (PEM files the gateway's user can read, the key unencrypted and belonging to the certificate)");
        if (Has("connection refused") && !Has("server unavailable") && !Has("TCP connect"))
            return (UplinkFailure.Misconfigured, policy);
        if (Has("may have refused the client certificate")) return (UplinkFailure.Misconfigured, policy);
        if (Has("TLS handshake failed") && Has("alert"))
        {
            if (Has("no application protocol"))
                return (UplinkFailure.Misconfigured, $"; the server refused the ALPN protocol: check {KeyName}:Port and {KeyName}:Alpn (x-amzn-mqtt-ca on 443)");
            if (Has("certificate") || Has("unknown ca") || Has("access denied"))
                return (UplinkFailure.Misconfigured, policy);
        }
        return (UplinkFailure.Transient, "");
    }

    private ValueTask OnConnectedAsync(bool sessionPresent, CancellationToken connectionEnded)
    {
        var signal = Volatile.Read(ref _connected);
        signal.TrySetResult(connectionEnded);
        // Runs at once if the connection already ended; otherwise when it ends, before the next one opens.
        connectionEnded.Register(() => Interlocked.CompareExchange(ref _connected, NewConnectedSignal(), signal));
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Spaces PUBLISHes so a connection stays within IoT Core's 100 publishes and 512 KiB per
    /// second, on an absolute schedule (a late wake-up does not slow the next ones down).
    /// </summary>
    private async ValueTask PaceAsync(int payloadBytes, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var at = _nextPublishAt > now ? _nextPublishAt : now;
        var cost = Math.Max(TimeSpan.TicksPerSecond / IotCoreUplinkOptions.MaxPublishesPerSecond,
            payloadBytes * TimeSpan.TicksPerSecond / IotCoreUplinkOptions.MaxBytesPerSecond);
        _nextPublishAt = at + TimeSpan.FromTicks(cost);
        if (at > now) await Task.Delay(at - now, _time, cancellationToken);
    }

    private string? FindProblem()
    {
        if (string.IsNullOrWhiteSpace(_options.Endpoint))
            return $"{KeyName}:Endpoint is not set: the device data endpoint, e.g. a1b2c3d4e5f6g7-ats.iot.ap-northeast-2.amazonaws.com";
        if (_topic.Length == 0) return $"{KeyName}:Topic is not set, e.g. farm/barn-3/readings";
        if (MqttTopic.CheckName(_topic) is { } topicProblem) return $"{KeyName}:Topic: {topicProblem}";
        if (Blank(_options.CertificateFile) is null || Blank(_options.PrivateKeyFile) is null)
            return $"{KeyName}:CertificateFile and PrivateKeyFile must both be set: AWS IoT Core authenticates the gateway by its X.509 certificate";
        return null;
    }

    internal static MqttClientOptions ToClientOptions(IotCoreUplinkOptions options, string clientId) => new()
    {
        Host = options.Endpoint?.Trim() ?? "",
        Port = options.Port,
        ClientId = clientId,
        CleanSession = true,
        KeepAlive = options.KeepAlive,
        Tls = true,
        CaFile = Blank(options.CaFile),
        ClientCertificateFile = Blank(options.CertificateFile),
        PrivateKeyFile = Blank(options.PrivateKeyFile),
        Alpn = options.EffectiveAlpn,
        MaxInFlight = options.MaxInFlight,
        ReconnectDelayMin = ReconnectDelayMin,
    };

    private static TaskCompletionSource<CancellationToken> NewConnectedSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
