using System.Collections.Concurrent;
using System.Threading.Channels;
using FarmGateway.Diagnostics;
using FarmGateway.Mqtt.Packets;
using Microsoft.Extensions.Logging;

namespace FarmGateway.Mqtt.Client;

/// <summary>
/// An MQTT 3.1.1 client that keeps one connection to one broker for as long as it runs.
/// Invariants:
/// - Network trouble never throws out of it: the connection loop is the one place that turns a
///   failure into <see cref="State"/>/<see cref="LastError"/>, one log line per change of
///   reason, and a retry after a jittered backoff (<see cref="MqttClientOptions.ReconnectDelayMin"/>
///   doubling to <see cref="MqttClientOptions.ReconnectDelayMax"/>), forever, without spinning.
/// - A QoS 1 publish completes only with its PUBACK, however many reconnects that takes;
///   unacknowledged messages are resent in order with DUP set. QoS 0 is never queued.
/// - Incoming messages reach <see cref="MessageHandler"/> one at a time in the order received;
///   a QoS 1 message is acknowledged only after the handler's task completed successfully, on
///   a path separate from the read loop, so a slow handler never delays PINGRESP or PUBACKs.
///   The next message is handed over without waiting for that task (up to 1,024 pending), and
///   PUBACKs still go out in the order the messages came.
/// </summary>
public sealed class MqttClient : IAsyncDisposable
{
    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StableConnection = TimeSpan.FromSeconds(10);

    private readonly MqttClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MqttConnectPacket _connect;
    private readonly MqttOutbox _outbox;
    private readonly Backoff _backoff;
    private readonly Channel<byte> _sendSignal = Channel.CreateBounded<byte>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<(MqttPublishPacket Packet, MqttConnection Connection)> _incoming =
        Channel.CreateBounded<(MqttPublishPacket, MqttConnection)>(new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true });
    private readonly Channel<(MqttPublishPacket Packet, MqttConnection Connection, Task Handled)> _handled =
        Channel.CreateBounded<(MqttPublishPacket, MqttConnection, Task)>(new BoundedChannelOptions(1024) { SingleReader = true, SingleWriter = true });
    private readonly ConcurrentDictionary<ushort, TaskCompletionSource<MqttInboundPacket>> _requests = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private MqttConnection? _connection;
    private Task? _run;
    private Task? _dispatch;
    private Task? _stopping;
    private volatile MqttClientState _state = MqttClientState.Disconnected;
    private volatile string? _lastError;
    private volatile bool _stopped;
    private int _attempts;

    /// <exception cref="ArgumentException">The options are not usable; the message lists every problem.</exception>
    public MqttClient(MqttClientOptions options, TimeProvider time, ILogger logger)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException($"MQTT options: {string.Join("; ", problems)}", nameof(options));
        _options = options;
        _time = time;
        _logger = logger;
        _outbox = new MqttOutbox(options.MaxInFlight);
        _backoff = new Backoff(options.ReconnectDelayMin, options.ReconnectDelayMax);
        _connect = new MqttConnectPacket(options.ClientId, options.CleanSession, (ushort)options.KeepAlive.TotalSeconds)
        {
            Username = options.Username,
            Password = options.Password,
            Will = options.Will,
        };
    }

    public MqttClientState State => _state;

    /// <summary>Why the last attempt or connection failed; null while connected.</summary>
    public string? LastError => _lastError;

    /// <summary>Connection attempts so far (for metrics and tests).</summary>
    public int ConnectionAttempts => Volatile.Read(ref _attempts);

    /// <summary>QoS 1 messages published and not yet acknowledged.</summary>
    public int Unacknowledged => _outbox.Unacknowledged;

    /// <summary>
    /// Receives every incoming PUBLISH; set before <see cref="StartAsync"/>. Called in order; its
    /// synchronous part runs before the next message is handed over, its task may complete later
    /// (a QoS 1 message is acknowledged then). Without one, messages are acknowledged and dropped.
    /// </summary>
    public Func<MqttIncomingMessage, ValueTask>? MessageHandler { get; set; }

    /// <summary>
    /// Called after every accepted CONNACK with "session present" and a token that fires when
    /// this connection ends: the place to (re)subscribe and republish retained state. It runs
    /// beside the read loop, so it may await <see cref="SubscribeAsync"/>. Failures are logged.
    /// </summary>
    public Func<bool, CancellationToken, ValueTask>? OnConnected { get; set; }

    /// <summary>Starts the connection loop and returns at once; never throws for network trouble.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_run is not null || _stopped) return Task.CompletedTask;
            _dispatch = Task.Run(DispatchAsync, CancellationToken.None);
            _run = Task.Run(RunAsync, CancellationToken.None);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// QoS 0: written now if connected, otherwise <see cref="MqttPublishStatus.NotConnected"/>.
    /// QoS 1: waits for a slot in the in-flight window, then completes when the broker's PUBACK
    /// arrives, across reconnects. <paramref name="payload"/> is copied.
    /// </summary>
    public async ValueTask<MqttPublishResult> PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQos qos = MqttQos.AtLeastOnce,
        bool retain = false, CancellationToken cancellationToken = default)
    {
        if (MqttTopic.CheckName(topic) is { } problem) return new(MqttPublishStatus.Rejected, problem);
        if (qos is not (MqttQos.AtMostOnce or MqttQos.AtLeastOnce)) return new(MqttPublishStatus.Rejected, $"QoS {(int)qos} is not supported");
        if ((long)payload.Length + MqttString.MaxBytes + 4 > MqttRemainingLength.Max)
            return new(MqttPublishStatus.Rejected, $"payload of {payload.Length} bytes is too large for MQTT");
        if (_stopped) return new(MqttPublishStatus.Stopped);
        if (cancellationToken.IsCancellationRequested) return new(MqttPublishStatus.Canceled);

        if (qos == MqttQos.AtMostOnce)
        {
            var connection = _connection;
            if (connection is null) return new(MqttPublishStatus.NotConnected);
            var packet = MqttPacketEncoder.Publish(topic, payload.Span, qos, retain, dup: false, packetId: 0);
            if (await connection.WriteAsync(packet, cancellationToken)) return new(MqttPublishStatus.Sent);
            return new(cancellationToken.IsCancellationRequested ? MqttPublishStatus.Canceled : MqttPublishStatus.NotConnected);
        }

        var entry = _outbox.Add(topic, payload.ToArray(), retain);
        if (_stopped) _outbox.CompleteAll(new(MqttPublishStatus.Stopped));
        _sendSignal.Writer.TryWrite(0);
        try
        {
            return await entry.Completion.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Still waiting for a slot: it never goes out. Already in flight: it stays until its PUBACK.
            _outbox.TryRemoveWaiting(entry);
            return new(MqttPublishStatus.Canceled);
        }
    }

    /// <summary>Subscribes on the current connection; the result has the granted QoS per filter, null where refused (0x80).</summary>
    public async Task<MqttSubscribeResult> SubscribeAsync(IReadOnlyList<MqttTopicFilter> filters, CancellationToken cancellationToken = default)
    {
        if (filters.Count == 0) return MqttSubscribeResult.Failed("no topic filters given");
        foreach (var filter in filters)
        {
            if (MqttTopic.CheckFilter(filter.Filter) is { } problem) return MqttSubscribeResult.Failed(problem);
            if (filter.Qos is not (MqttQos.AtMostOnce or MqttQos.AtLeastOnce)) return MqttSubscribeResult.Failed($"QoS {(int)filter.Qos} is not supported");
        }
        var answer = await RequestAsync(id => MqttPacketEncoder.Subscribe(id, filters), cancellationToken);
        if (answer.Error is not null) return MqttSubscribeResult.Failed(answer.Error);
        if (answer.Packet is not MqttSubAckPacket subAck || subAck.ReturnCodes.Count != filters.Count)
            return MqttSubscribeResult.Failed($"the broker answered SUBSCRIBE with {answer.Packet} for {filters.Count} filter(s)");
        var granted = subAck.ReturnCodes.Select(code => code == MqttSubAckPacket.Failure ? (MqttQos?)null : (MqttQos)code).ToList();
        var refused = filters.Where((_, index) => granted[index] is null).Select(f => $"'{f.Filter}'").ToList();
        return new MqttSubscribeResult(granted, refused.Count == 0 ? null : $"the broker refused the subscription to {string.Join(", ", refused)} (SUBACK 0x80)");
    }

    public async Task<MqttUnsubscribeResult> UnsubscribeAsync(IReadOnlyList<string> filters, CancellationToken cancellationToken = default)
    {
        if (filters.Count == 0) return new("no topic filters given");
        if (filters.Select(MqttTopic.CheckFilter).FirstOrDefault(p => p is not null) is { } problem) return new(problem);
        var answer = await RequestAsync(id => MqttPacketEncoder.Unsubscribe(id, filters), cancellationToken);
        return new(answer.Error);
    }

    /// <summary>
    /// Sends DISCONNECT when connected (so the broker does not publish the will), closes, and
    /// completes pending publishes with <see cref="MqttPublishStatus.Stopped"/>. Never throws;
    /// <paramref name="cancellationToken"/> only stops waiting for a running message handler.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate) _stopping ??= StopCoreAsync(cancellationToken);
        return _stopping;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>Closes the socket without DISCONNECT, as a crash or cut cable would (the broker publishes the will); the client reconnects.</summary>
    internal void DropConnection(string reason) => _connection?.Abort(reason);

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        try
        {
            _stop.Cancel();
        }
        catch (AggregateException)
        {
        }
        if (_run is not null)
        {
            try
            {
                // Bounded: stopping must not hang on a connection attempt that ignores cancellation.
                await _run.WaitAsync(StopTimeout);
            }
            catch (TimeoutException)
            {
                _connection?.Abort("stopped");
                MqttLog.StopTimedOut(_logger, _options.Endpoint, StopTimeout);
            }
        }
        _incoming.Writer.TryComplete();
        if (_dispatch is not null)
        {
            try
            {
                await _dispatch.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
        var unacknowledged = _outbox.Unacknowledged;
        _outbox.CompleteAll(new(MqttPublishStatus.Stopped));
        _state = MqttClientState.Stopped;
        MqttLog.Stopped(_logger, _options.Endpoint, unacknowledged);
    }

    private async Task RunAsync()
    {
        var stop = _stop.Token;
        string? lastLogged = null;
        var generation = 0;
        while (!stop.IsCancellationRequested)
        {
            _state = MqttClientState.Connecting;
            var attempt = Interlocked.Increment(ref _attempts);
            MqttLog.Connecting(_logger, _options.Endpoint, attempt);
            string reason;
            var lost = false;
            try
            {
                var connection = await MqttConnection.OpenAsync(_options, _connect, ++generation, _time, stop);
                var since = _time.GetTimestamp();
                reason = await RunConnectionAsync(connection, stop);
                lost = true;
                lastLogged = null;
                if (_time.GetElapsedTime(since) >= StableConnection) _backoff.Reset();
            }
            catch (MqttConnectionException e)
            {
                reason = e.Reason;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            if (stop.IsCancellationRequested) break;

            _lastError = reason;
            _state = MqttClientState.Disconnected;
            if (lost) MqttLog.ConnectionLost(_logger, _options.Endpoint, reason);
            else if (reason != lastLogged) MqttLog.ConnectFailed(_logger, _options.Endpoint, reason);
            if (!lost) lastLogged = reason;
            var delay = _backoff.Fail();
            MqttLog.RetryScheduled(_logger, attempt, _options.Endpoint, reason, delay);
            try
            {
                await Task.Delay(delay, _time, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Runs one accepted connection until it ends; returns why it ended.</summary>
    private async Task<string> RunConnectionAsync(MqttConnection connection, CancellationToken stop)
    {
        lock (_gate) _connection = connection;
        _lastError = null;
        _state = MqttClientState.Connected;
        MqttLog.Connected(_logger, _options.Endpoint, _options.ClientId, connection.SessionPresent, _outbox.InFlight);

        var reader = ReadLoopAsync(connection);
        var keepAlive = connection.RunKeepAliveAsync(_options.KeepAlive, _options.PingResponseTimeout);
        var sender = SendLoopAsync(connection);
        _sendSignal.Writer.TryWrite(0);
        var connected = NotifyConnectedAsync(connection);

        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (stop.Register(() => stopped.TrySetResult()))
        {
            await Task.WhenAny(connection.Closed, stopped.Task);
        }
        if (stop.IsCancellationRequested) await connection.DisconnectAsync(DisconnectTimeout);
        var reason = await connection.Closed;
        lock (_gate) _connection = null;
        await Task.WhenAll(reader, keepAlive, sender, connected);
        await connection.DisposeAsync();
        return reason;
    }

    private async Task NotifyConnectedAsync(MqttConnection connection)
    {
        if (OnConnected is not { } callback) return;
        try
        {
            await callback(connection.SessionPresent, connection.Aborted);
        }
        catch (Exception e) when (!(e is OperationCanceledException && connection.Aborted.IsCancellationRequested))
        {
            MqttLog.ConnectedCallbackFailed(_logger, e);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ReadLoopAsync(MqttConnection connection)
    {
        try
        {
            while (true)
            {
                switch (await connection.ReadPacketAsync(connection.Aborted))
                {
                    case MqttPublishPacket publish:
                        await _incoming.Writer.WriteAsync((publish, connection), connection.Aborted);
                        break;
                    case MqttPubAckPacket pubAck:
                        if (_outbox.Acknowledge(pubAck.PacketId) is null) MqttLog.UnexpectedAck(_logger, "PUBACK", pubAck.PacketId);
                        else _sendSignal.Writer.TryWrite(0);
                        break;
                    case MqttSubAckPacket { PacketId: var id } answer:
                        Answer(id, answer, "SUBACK");
                        break;
                    case MqttUnsubAckPacket { PacketId: var id } answer:
                        Answer(id, answer, "UNSUBACK");
                        break;
                    case MqttConnAckPacket:
                        connection.Abort("protocol error: the broker sent a second CONNACK");
                        return;
                }
            }
        }
        catch (MqttConnectionException e)
        {
            connection.Abort(e.Reason);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            connection.Abort("stopped");
        }
    }

    private void Answer(ushort packetId, MqttInboundPacket answer, string what)
    {
        if (_requests.TryRemove(packetId, out var request)) request.TrySetResult(answer);
        else MqttLog.UnexpectedAck(_logger, what, packetId);
    }

    /// <summary>Writes the outbox's QoS 1 messages, in order, whenever something was added or a slot freed.</summary>
    private async Task SendLoopAsync(MqttConnection connection)
    {
        try
        {
            while (await _sendSignal.Reader.WaitToReadAsync(connection.Aborted))
            {
                _sendSignal.Reader.TryRead(out _);
                var written = await connection.WriteAsync(
                    () => _outbox.TakeUnsent(connection.Generation).Select(unsent => unsent.Entry.Encode(unsent.Dup)).ToList());
                if (!written) return;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Hands messages to the handler one at a time, in order, without waiting for the previous
    /// handler's task: a handler that completes only when its reading is durable would otherwise
    /// allow one message per fsync. The tasks go to <see cref="AcknowledgeAsync"/>, which sends
    /// the PUBACKs in the order the messages came [MQTT-4.6.0-2].
    /// </summary>
    private async Task DispatchAsync()
    {
        var acks = Task.Run(AcknowledgeAsync, CancellationToken.None);
        try
        {
            await foreach (var (packet, connection) in _incoming.Reader.ReadAllAsync())
            {
                if (_stopped) return;
                var message = new MqttIncomingMessage(packet.Topic, packet.Payload, packet.Qos, packet.Retain, packet.Dup);
                Task handled;
                try
                {
                    handled = MessageHandler is { } handler ? handler(message).AsTask() : Task.CompletedTask;
                }
                catch (Exception e)
                {
                    handled = Task.FromException(e);
                }
                // Bounded: a handler that never completes holds the dispatch, not the memory.
                await _handled.Writer.WriteAsync((packet, connection, handled), _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopping with the acknowledgement queue full: the rest stays unacknowledged.
        }
        finally
        {
            _handled.Writer.TryComplete();
            await acks;
        }
    }

    private async Task AcknowledgeAsync()
    {
        await foreach (var (packet, connection, handled) in _handled.Reader.ReadAllAsync())
        {
            try
            {
                await handled.WaitAsync(_stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return; // stopping: what is still being handled stays unacknowledged, and the broker delivers it again
            }
            catch (Exception e)
            {
                MqttLog.HandlerFailed(_logger, e, (int)packet.Qos, packet.Topic);
                if (packet.Qos == MqttQos.AtLeastOnce) connection.Abort("the message handler failed; the message was not acknowledged");
                continue;
            }
            // Acknowledged on the connection it came on, or not at all: after a reconnect the broker delivers it again.
            if (packet.Qos == MqttQos.AtLeastOnce) await connection.WriteAsync(MqttPacketEncoder.PubAck(packet.PacketId));
        }
    }

    private async Task<(MqttInboundPacket? Packet, string? Error)> RequestAsync(Func<ushort, byte[]> encode, CancellationToken cancellationToken)
    {
        if (_stopped) return (null, "the client is stopped");
        var connection = _connection;
        if (connection is null || !connection.IsOpen) return (null, "not connected");
        if (_outbox.ReserveId() is not { } id) return (null, "no free packet id");
        var request = new TaskCompletionSource<MqttInboundPacket>(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests[id] = request;
        try
        {
            if (!await connection.WriteAsync(encode(id), cancellationToken))
                return (null, cancellationToken.IsCancellationRequested ? "canceled" : "connection lost before the request was sent");
            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connection.Aborted);
            return (await request.Task.WaitAsync(either.Token), null);
        }
        catch (OperationCanceledException)
        {
            return (null, cancellationToken.IsCancellationRequested ? "canceled" : $"connection lost before the answer came: {connection.Closed.Result}");
        }
        finally
        {
            _requests.TryRemove(id, out _);
            _outbox.ReleaseId(id);
        }
    }
}
