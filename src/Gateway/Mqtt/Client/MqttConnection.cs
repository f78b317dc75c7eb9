using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using FarmGateway.Mqtt.Packets;

namespace FarmGateway.Mqtt.Client;

/// <summary>
/// One network connection to the broker, from TCP connect to close: the stream, the one
/// serialised write path, the frame reader and keepalive. It ends exactly once, through
/// <see cref="Abort"/>, with the first reason given; <see cref="Closed"/> then completes with it.
/// Writes never throw: a failed write aborts the connection and returns false.
/// </summary>
internal sealed class MqttConnection : IAsyncDisposable
{
    private const long NoPing = -1;
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _abort = new();
    private readonly bool _tlsWithClientCertificate;
    private long _lastWrite;
    private long _pingSentAt = NoPing;
    private bool _disconnected;
    private bool _accepted;

    private MqttConnection(Socket socket, Stream stream, int generation, int maxPacketBytes, TimeProvider time, bool tlsWithClientCertificate)
    {
        _socket = socket;
        _stream = stream;
        _time = time;
        _tlsWithClientCertificate = tlsWithClientCertificate;
        _lastWrite = time.GetTimestamp();
        Generation = generation;
        Reader = new MqttFrameReader(maxPacketBytes);
    }

    /// <summary>Numbers connections of one client from 1, so the outbox knows what was sent where.</summary>
    public int Generation { get; }

    public MqttFrameReader Reader { get; }

    public bool SessionPresent { get; private set; }

    /// <summary>Completes with the reason the connection ended.</summary>
    public Task<string> Closed => _closed.Task;

    public bool IsOpen => !_closed.Task.IsCompleted;

    /// <summary>Cancelled when the connection ends.</summary>
    public CancellationToken Aborted => _abort.Token;

    /// <summary>
    /// TCP, TLS, CONNECT and an accepting CONNACK within <see cref="MqttClientOptions.ConnectTimeout"/>.
    /// Throws <see cref="MqttConnectionException"/> with the reason, or OperationCanceledException for <paramref name="stop"/>.
    /// Stop and the timeout end the attempt at once at every stage: besides the token each stage is
    /// given, the socket is closed when either fires, since a stage may not be looking at its token
    /// then (the end of a TLS handshake, certificate validation included, runs to completion).
    /// </summary>
    public static async Task<MqttConnection> OpenAsync(MqttClientOptions options, MqttConnectPacket connect, int generation, TimeProvider time, CancellationToken stop)
    {
        using var timeout = new CancellationTokenSource(options.ConnectTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var closeOnCancel = linked.Token.UnsafeRegister(static s => ((Socket)s!).Dispose(), socket);
        Stream? stream = null;
        MqttTlsSetup? tls = null;
        MqttConnection? connection = null;
        var stage = "TCP connect";
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, linked.Token);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (options.Tls)
            {
                stage = "TLS handshake";
                tls = MqttTlsSetup.Load(options);
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(tls.CreateOptions(options.Alpn), linked.Token);
            }
            stage = "CONNECT/CONNACK";
            connection = new MqttConnection(socket, stream, generation, options.MaxPacketBytes, time, tls?.HasClientCertificate == true);
            if (!await connection.WriteAsync(MqttPacketEncoder.Connect(connect), linked.Token))
            {
                // Not written because the token fired first: the connection is still open, so its Closed would never come.
                linked.Token.ThrowIfCancellationRequested();
                throw new MqttConnectionException(await connection.Closed + connection.ClientCertificateHint());
            }
            var answer = await connection.ReadPacketAsync(linked.Token);
            if (answer is not MqttConnAckPacket connAck)
                throw new MqttConnectionException($"protocol error: the broker answered CONNECT with {answer.GetType().Name} instead of CONNACK");
            if (connAck.ReturnCode != 0) throw new MqttConnectionException(MqttConnectRefusal.Describe(connAck.ReturnCode));
            // Waits for a running callback: once it returns, the socket is either closed (and that counts as cancelled) or stays open.
            closeOnCancel.Dispose();
            linked.Token.ThrowIfCancellationRequested();
            connection.SessionPresent = connAck.SessionPresent;
            connection._accepted = true;
            return connection;
        }
        catch (Exception e) when (stop.IsCancellationRequested)
        {
            // Whatever closing the socket made the stage throw, the caller sees the stop.
            await Cleanup();
            if (e is OperationCanceledException) throw;
            throw new OperationCanceledException("stopped during the connection attempt", e, stop);
        }
        catch (Exception e) when (e is not MqttConnectionException || linked.IsCancellationRequested)
        {
            await Cleanup();
            throw new MqttConnectionException(Explain(e), e);
        }
        catch
        {
            await Cleanup();
            throw;
        }
        finally
        {
            closeOnCancel.Dispose();
            tls?.Dispose();
        }

        async ValueTask Cleanup()
        {
            if (connection is not null) await connection.DisposeAsync();
            else if (stream is not null) await stream.DisposeAsync();
            else socket.Dispose();
        }

        string Explain(Exception e) => e switch
        {
            // The timeout fired (stop is handled above); the stage ends with whatever closing the socket made it throw.
            _ when e is OperationCanceledException || linked.IsCancellationRequested => $"{stage} did not finish within {options.ConnectTimeout.TotalSeconds:0.#} s",
            SocketException s => $"TCP connect failed: {Describe(s.SocketErrorCode)} ({s.Message})",
            AuthenticationException when tls?.ValidationProblem is { } problem => problem,
            AuthenticationException a => $"TLS handshake failed: {Innermost(a)}",
            IOException or ObjectDisposedException when stage == "TLS handshake" => $"TLS handshake failed: {Innermost(e)}",
            _ => $"{stage} failed: {Innermost(e)}",
        };
    }

    /// <summary>The next packet from the broker. Throws <see cref="MqttConnectionException"/> when the connection ends or the bytes are not MQTT.</summary>
    public async Task<MqttInboundPacket> ReadPacketAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = Reader.ReadNext();
            switch (result.Status)
            {
                case MqttDecodeStatus.Packet:
                    if (result.Packet is MqttPingRespPacket) Interlocked.Exchange(ref _pingSentAt, NoPing);
                    return result.Packet!;
                case MqttDecodeStatus.Error:
                    throw new MqttConnectionException($"protocol error from the broker: {result.Error!.Reason}");
            }
            int read;
            try
            {
                read = await _stream.ReadAsync(Reader.GetMemory(), cancellationToken);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or AuthenticationException)
            {
                throw new MqttConnectionException(IsOpen ? $"connection broken: {Innermost(e)}{ClientCertificateHint()}" : Closed.Result, e);
            }
            if (read == 0) throw new MqttConnectionException($"the broker closed the connection{ClientCertificateHint()}");
            Reader.Advance(read);
        }
    }

    /// <summary>Writes one packet; false when the connection ended (or <paramref name="cancellationToken"/> fired before the write began).</summary>
    public ValueTask<bool> WriteAsync(byte[] packet, CancellationToken cancellationToken = default) =>
        WriteAsync(() => [packet], cancellationToken);

    /// <summary>
    /// Writes what <paramref name="take"/> returns, called while holding the write path, so
    /// whatever it takes from shared state goes out in the order taken.
    /// </summary>
    public async ValueTask<bool> WriteAsync(Func<IEnumerable<byte[]>> take, CancellationToken cancellationToken = default, TimeSpan? lockTimeout = null)
    {
        try
        {
            if (!await _writeLock.WaitAsync(lockTimeout ?? Timeout.InfiniteTimeSpan, cancellationToken)) return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        try
        {
            if (!IsOpen || _disconnected) return false;
            foreach (var packet in take())
            {
                await _stream.WriteAsync(packet, _abort.Token);
                Volatile.Write(ref _lastWrite, _time.GetTimestamp());
            }
            return true;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException or NotSupportedException)
        {
            Abort($"write failed: {Innermost(e)}");
            return false;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Sends PINGREQ whenever nothing was written for <paramref name="keepAlive"/> [MQTT-3.1.2-23] and
    /// aborts when its PINGRESP does not come within <paramref name="pingTimeout"/> [MQTT-3.1.2-24 is
    /// the broker's 1.5x rule; this is the client's side of it].
    /// </summary>
    public async Task RunKeepAliveAsync(TimeSpan keepAlive, TimeSpan pingTimeout)
    {
        if (keepAlive <= TimeSpan.Zero) return;
        try
        {
            while (IsOpen)
            {
                var now = _time.GetTimestamp();
                TimeSpan wait;
                var pingSentAt = Interlocked.Read(ref _pingSentAt);
                if (pingSentAt != NoPing)
                {
                    var waited = _time.GetElapsedTime(pingSentAt, now);
                    if (waited >= pingTimeout)
                    {
                        Abort($"no PINGRESP within {pingTimeout.TotalSeconds:0.#} s (keepalive {keepAlive.TotalSeconds:0} s)");
                        return;
                    }
                    wait = pingTimeout - waited;
                }
                else
                {
                    var idle = _time.GetElapsedTime(Volatile.Read(ref _lastWrite), now);
                    if (idle >= keepAlive)
                    {
                        Interlocked.Exchange(ref _pingSentAt, now);
                        if (!await WriteAsync(() => [MqttPacketEncoder.PingReq()], _abort.Token, pingTimeout) && IsOpen)
                            Abort($"could not send PINGREQ within {pingTimeout.TotalSeconds:0.#} s: the connection is stalled");
                        continue;
                    }
                    wait = keepAlive - idle;
                }
                await Task.Delay(wait, _time, _abort.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Sends DISCONNECT (so the broker drops the will) and closes. Never throws.</summary>
    public async Task DisconnectAsync(TimeSpan timeout)
    {
        using var expire = new CancellationTokenSource(timeout);
        await WriteAsync(() =>
        {
            _disconnected = true;
            return [MqttPacketEncoder.Disconnect()];
        }, expire.Token, timeout);
        Abort("stopped");
    }

    /// <summary>Ends the connection (no DISCONNECT: the broker publishes the will). The first reason wins.</summary>
    public void Abort(string reason)
    {
        if (!_closed.TrySetResult(reason)) return;
        try
        {
            _abort.Cancel();
        }
        catch (AggregateException)
        {
        }
        _socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        Abort("disposed");
        try
        {
            await _stream.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or AuthenticationException)
        {
        }
        _abort.Dispose();
    }

    private string ClientCertificateHint() =>
        _tlsWithClientCertificate && !_accepted ? " before CONNACK (the broker may have refused the client certificate)" : "";

    internal static string Innermost(Exception e)
    {
        var messages = new List<string>();
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (!messages.Contains(current.Message)) messages.Add(current.Message);
        }
        return string.Join(": ", messages);
    }

    private static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused (is the broker running on that port?)",
        SocketError.HostNotFound or SocketError.NoData => "host name not found",
        SocketError.TimedOut => "timed out",
        SocketError.NetworkUnreachable or SocketError.HostUnreachable => "network or host unreachable",
        _ => error.ToString(),
    };
}
