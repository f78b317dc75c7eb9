using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FarmGateway.Mqtt.Client;
using FarmGateway.Mqtt.Packets;
using FarmGateway.Tests.Testing;

namespace FarmGateway.Tests.Mqtt;

/// <summary>The client against a scripted server on loopback (real brokers: the integration tests).</summary>
public sealed class MqttClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static MqttClient Create(FakeMqttBroker broker, TimeProvider? time = null, Action<MqttClientOptions>? configure = null) =>
        Create(broker.Port, new CapturingLogger<MqttClient>(), time, configure);

    private static MqttClient Create(int port, CapturingLogger<MqttClient> log, TimeProvider? time = null, Action<MqttClientOptions>? configure = null)
    {
        var options = new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = port,
            ClientId = "unit",
            CleanSession = false,
            KeepAlive = TimeSpan.Zero,
            ReconnectDelayMin = TimeSpan.FromMilliseconds(20),
            ReconnectDelayMax = TimeSpan.FromMilliseconds(50),
        };
        configure?.Invoke(options);
        return new MqttClient(options, time ?? TimeProvider.System, log);
    }

    [Fact]
    public async Task PublishAsync_ConnectionLostBeforePubAck_ResendsWithDupAndSameIdThenCompletes()
    {
        await using var broker = new FakeMqttBroker();
        await using var client = Create(broker);
        await client.StartAsync();
        var first = await broker.AcceptAsync(Timeout);
        await first.SendAsync("20020000");

        var publish = client.PublishAsync("a/b", "x"u8.ToArray()).AsTask();
        var sent = await first.ReadAsync(Timeout);
        Assert.Equal((MqttPacketType.Publish, 0b0010), (sent.Type, sent.Flags));
        var id = sent.PacketIdAt(5);
        first.Dispose();

        var second = await broker.AcceptAsync(Timeout);
        await second.SendAsync("20020100");
        var resent = await second.ReadAsync(Timeout);
        Assert.Equal((MqttPacketType.Publish, 0b1010), (resent.Type, resent.Flags)); // DUP set
        Assert.Equal(id, resent.PacketIdAt(5));
        Assert.False(publish.IsCompleted);
        await second.SendAsync($"4002{id:X4}");

        Assert.Equal(MqttPublishStatus.Acknowledged, (await publish.WaitAsync(Timeout)).Status);
    }

    [Fact]
    public async Task MessageHandler_Qos1Messages_AreHandedOverWithoutWaiting_AndAcknowledgedInOrderOnlyWhenTheirHandlersComplete()
    {
        await using var broker = new FakeMqttBroker();
        await using var client = Create(broker);
        var releases = new Dictionary<string, TaskCompletionSource>
        {
            ["1"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
            ["2"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
        };
        var handled = new List<string>();
        client.MessageHandler = async message =>
        {
            var text = Encoding.UTF8.GetString(message.Payload.Span);
            lock (handled) handled.Add(text);
            await releases[text].Task;
        };
        await client.StartAsync();
        var session = await broker.AcceptAsync(Timeout);
        await session.SendAsync("20020000");

        await session.SendAsync("3206 0001 74 0005 31"); // "1", packet id 5
        await session.SendAsync("3206 0001 74 0006 32"); // "2", packet id 6
        // Both reach the handler while the first is still being handled (a durable write takes an fsync).
        await Eventually.True(() => { lock (handled) return handled.Count == 2; }, "both messages at the handler", Timeout);
        lock (handled) Assert.Equal(["1", "2"], handled);

        // "2" is done first, "1" still held: no PUBACK may go out yet; the next thing written is the client's own PUBLISH.
        releases["2"].SetResult();
        var publish = client.PublishAsync("out", "x"u8.ToArray()).AsTask();
        var next = await session.ReadAsync(Timeout);
        Assert.Equal(MqttPacketType.Publish, next.Type);
        await session.SendAsync($"4002{next.PacketIdAt(5):X4}");
        Assert.Equal(MqttPublishStatus.Acknowledged, (await publish.WaitAsync(Timeout)).Status);

        releases["1"].SetResult();
        var ack5 = await session.ReadAsync(Timeout);
        var ack6 = await session.ReadAsync(Timeout);
        Assert.Equal((MqttPacketType.PubAck, 5, MqttPacketType.PubAck, 6), (ack5.Type, (int)ack5.PacketIdAt(0), ack6.Type, (int)ack6.PacketIdAt(0)));
    }

    [Fact]
    public async Task SubscribeAsync_SubAckWithFailureCode_ReportsTheRefusedFilter()
    {
        await using var broker = new FakeMqttBroker();
        await using var client = Create(broker);
        await client.StartAsync();
        var session = await broker.AcceptAsync(Timeout);
        await session.SendAsync("20020000");
        await Eventually.True(() => client.State == MqttClientState.Connected, "connected", Timeout);

        var subscribe = client.SubscribeAsync([new("a/#"), new("b/+", MqttQos.AtMostOnce)]);
        var sent = await session.ReadAsync(Timeout);
        Assert.Equal((MqttPacketType.Subscribe, 0b0010), (sent.Type, sent.Flags));
        await session.SendAsync($"9004{sent.PacketIdAt(0):X4}8000");
        var result = await subscribe.WaitAsync(Timeout);

        Assert.False(result.Succeeded);
        Assert.Equal([null, MqttQos.AtMostOnce], result.Granted);
        Assert.Contains("'a/#'", result.Error);
    }

    [Theory]
    [InlineData("20020001", "unacceptable protocol version")]
    [InlineData("20020002", "identifier rejected")]
    [InlineData("20020003", "server unavailable")]
    [InlineData("20020004", "bad user name or password")]
    [InlineData("20020005", "not authorized")]
    [InlineData("F000", "protocol error")]
    [InlineData("20020105", "protocol error")]
    public async Task StartAsync_BrokerRefusesOrTalksNonsense_ReportsWhyAndTriesAgain(string answer, string expected)
    {
        await using var broker = new FakeMqttBroker();
        await using var client = Create(broker);
        await client.StartAsync();
        var session = await broker.AcceptAsync(Timeout);

        await session.SendAsync(answer);

        await Eventually.True(() => client.LastError is not null, "the failure", Timeout);
        Assert.Contains(expected, client.LastError);
        await broker.AcceptAsync(Timeout); // and it comes back
    }

    [Fact]
    public async Task KeepAlive_IdleConnection_SendsPingReqAndDropsWithoutPingResp()
    {
        await using var broker = new FakeMqttBroker();
        var time = new FakeTimeProvider();
        await using var client = Create(broker, time, o =>
        {
            o.KeepAlive = TimeSpan.FromSeconds(5);
            o.PingResponseTimeout = TimeSpan.FromSeconds(20); // generous: the fake clock runs 1 s per 20 ms of real time below
        });
        await client.StartAsync();
        var session = await broker.AcceptAsync(Timeout);
        await session.SendAsync("20020000");
        await Eventually.True(() => client.State == MqttClientState.Connected, "connected", Timeout);

        var read = session.ReadAsync(Timeout);
        await Eventually.True(() =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            return read.IsCompleted;
        }, "a PINGREQ", Timeout);
        Assert.Equal(MqttPacketType.PingReq, (await read).Type);
        await session.SendAsync("D000");
        var second = session.ReadAsync(Timeout);
        await Eventually.True(() =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            return second.IsCompleted;
        }, "a second PINGREQ after the answered one", Timeout);
        Assert.True(client.State == MqttClientState.Connected, client.LastError);

        // This one stays unanswered.
        await Eventually.True(() =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            return client.LastError is not null;
        }, "the connection to be dropped", Timeout);
        Assert.Contains("no PINGRESP within 20 s", client.LastError);
    }

    [Fact]
    public async Task PublishAsync_Qos1WindowFull_WaitsAndHonoursCancellation()
    {
        await using var broker = new FakeMqttBroker();
        await using var client = Create(broker, configure: o => o.MaxInFlight = 1);
        await client.StartAsync();
        var session = await broker.AcceptAsync(Timeout);
        await session.SendAsync("20020000");

        var first = client.PublishAsync("a", "1"u8.ToArray()).AsTask();
        using var cancel = new CancellationTokenSource();
        var second = client.PublishAsync("a", "2"u8.ToArray(), cancellationToken: cancel.Token).AsTask();
        var third = client.PublishAsync("a", "3"u8.ToArray()).AsTask();
        var sent = await session.ReadAsync(Timeout);
        cancel.Cancel();
        Assert.Equal(MqttPublishStatus.Canceled, (await second.WaitAsync(Timeout)).Status);

        await session.SendAsync($"4002{sent.PacketIdAt(3):X4}");
        Assert.Equal(MqttPublishStatus.Acknowledged, (await first.WaitAsync(Timeout)).Status);
        var next = await session.ReadAsync(Timeout);
        Assert.Equal((byte)'3', next.Body[^1]); // "2" was cancelled while waiting, so it never went out
        await session.SendAsync($"4002{next.PacketIdAt(3):X4}");
        Assert.Equal(MqttPublishStatus.Acknowledged, (await third.WaitAsync(Timeout)).Status);
    }

    [Fact]
    public void Constructor_BadOptions_ListsEveryProblem()
    {
        var options = new MqttClientOptions { Port = 0, Password = "p", MaxInFlight = 0, CaFile = "ca.pem" };

        var error = Assert.Throws<ArgumentException>(() => new MqttClient(options, TimeProvider.System, new CapturingLogger<MqttClient>()));

        Assert.Contains("Port 0", error.Message);
        Assert.Contains("Password needs a Username", error.Message);
        Assert.Contains("MaxInFlight 0", error.Message);
        Assert.Contains("need Tls true", error.Message);
        Assert.DoesNotContain("\"p\"", error.Message);
    }

    // Stopping while a connection attempt waits on a silent server: it must end the attempt at
    // once (event 5004), not sit out the 5 s safety net (event 5009) or the 10 s ConnectTimeout.
    // The fake clock keeps the ConnectTimeout from firing, so only the stop can end the attempt.

    [Fact]
    public async Task StopAsync_WhileWaitingForConnAck_EndsTheAttemptAtOnce()
    {
        await using var broker = new FakeMqttBroker();
        var log = new CapturingLogger<MqttClient>();
        await using var client = Create(broker.Port, log, new FakeTimeProvider());
        await client.StartAsync();
        await broker.AcceptAsync(Timeout); // CONNECT read; no CONNACK ever

        await StopsPromptly(client, log);
    }

    [Fact]
    public async Task StopAsync_WhileWaitingForConnAckAfterTlsHandshake_EndsTheAttemptAtOnce()
    {
        await using var server = await SilentTlsServer.StartAsync(handshake: true);
        var log = new CapturingLogger<MqttClient>();
        await using var client = Create(server.Port, log, new FakeTimeProvider(), server.Configure);
        await client.StartAsync();
        var connect = await server.ReadConnectAsync(Timeout); // handshake done, CONNECT read; no CONNACK ever
        Assert.Equal((byte)0x10, connect);

        await StopsPromptly(client, log);
    }

    [Fact]
    public async Task StopAsync_DuringTlsHandshake_EndsTheAttemptAtOnce()
    {
        await using var server = await SilentTlsServer.StartAsync(handshake: false);
        var log = new CapturingLogger<MqttClient>();
        await using var client = Create(server.Port, log, new FakeTimeProvider(), server.Configure);
        await client.StartAsync();
        await server.ReadClientHelloAsync(Timeout); // the ClientHello arrived; no ServerHello ever

        await StopsPromptly(client, log);
    }

    [Fact]
    public async Task StopAsync_DuringTcpConnect_EndsTheAttemptAtOnce()
    {
        // A listener whose accept queue is full: Linux drops the SYN, so connect waits for its retries.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = new List<Socket>();
        try
        {
            Socket? pending = null;
            for (var i = 0; i < 8 && pending is null; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                var connect = filler.ConnectAsync(IPAddress.Loopback, port);
                if (await Task.WhenAny(connect, Task.Delay(300)) != connect) pending = filler;
            }
            Assert.True(pending is not null, "the accept queue never filled up, so a connect cannot be made to hang here");

            var log = new CapturingLogger<MqttClient>();
            await using var client = Create(port, log, new FakeTimeProvider());
            await client.StartAsync();
            await Eventually.True(() => log.Messages(5008).Any(), "the connection attempt", Timeout);
            await Task.Delay(200); // into ConnectAsync

            await StopsPromptly(client, log);
        }
        finally
        {
            foreach (var filler in fillers) filler.Dispose();
        }
    }

    // The end of a TLS handshake (the server's last flight processed, the certificate validated)
    // does not look at the token, so a stop or timeout that lands then finds the handshake
    // finished and the CONNECT not yet written. The client first reads its clock when it builds
    // the connection, just there (after TCP and TLS, before CONNECT): the clocks below make the
    // stop or the timeout land at that moment every time.

    [Fact]
    public async Task StopAsync_LandingAsTheTlsHandshakeFinishes_EndsTheAttemptAtOnce()
    {
        await using var server = await SilentTlsServer.StartAsync(handshake: true);
        var log = new CapturingLogger<MqttClient>();
        var clock = new ClockWithHook(new FakeTimeProvider());
        await using var client = Create(server.Port, log, clock, server.Configure);
        Task? stopping = null;
        clock.OnFirstRead = () => stopping = client.StopAsync();

        await client.StartAsync();
        await Eventually.True(() => Volatile.Read(ref stopping) is not null, "the stop as the handshake finishes", Timeout);
        var watch = Stopwatch.StartNew();
        await stopping!.WaitAsync(Timeout);

        Assert.Empty(log.Messages(5009));
        Assert.Single(log.Messages(5004));
        Assert.Equal(MqttClientState.Stopped, client.State);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"StopAsync took {watch.Elapsed}");
    }

    [Fact]
    public async Task ConnectTimeout_ExpiringAsTheHandshakeFinishes_FailsTheAttemptWithTheReason()
    {
        await using var broker = new FakeMqttBroker();
        var log = new CapturingLogger<MqttClient>();
        var time = new FakeTimeProvider();
        var clock = new ClockWithHook(time) { OnFirstRead = () => time.Advance(TimeSpan.FromSeconds(10)) };
        await using var client = Create(broker.Port, log, clock);

        await client.StartAsync();

        await Eventually.True(() => client.LastError is not null, "the attempt to fail", Timeout);
        Assert.Equal("CONNECT/CONNACK did not finish within 10 s", client.LastError);
    }

    private sealed class ClockWithHook(FakeTimeProvider inner) : TimeProvider
    {
        private Action? _onFirstRead;

        /// <summary>Runs (once, on the reading thread) the first time the timestamp is read.</summary>
        public Action? OnFirstRead
        {
            get => _onFirstRead;
            set => _onFirstRead = value;
        }

        public override long GetTimestamp()
        {
            Interlocked.Exchange(ref _onFirstRead, null)?.Invoke();
            return inner.GetTimestamp();
        }

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            inner.CreateTimer(callback, state, dueTime, period);
    }

    private static async Task StopsPromptly(MqttClient client, CapturingLogger<MqttClient> log)
    {
        Assert.Equal(MqttClientState.Connecting, client.State);
        var watch = Stopwatch.StartNew();
        await client.StopAsync().WaitAsync(Timeout);
        watch.Stop();

        Assert.Empty(log.Messages(5009));
        Assert.Single(log.Messages(5004));
        Assert.Equal(MqttClientState.Stopped, client.State);
        Assert.Equal(1, client.ConnectionAttempts);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"StopAsync took {watch.Elapsed}");
    }

    /// <summary>
    /// A TLS server on loopback with a self-signed certificate for "localhost" that either completes
    /// the handshake and then reads but never answers, or never answers the ClientHello at all.
    /// </summary>
    private sealed class SilentTlsServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly X509Certificate2 _certificate;
        private readonly string _caFile;
        private readonly bool _handshake;
        private readonly TaskCompletionSource<Stream> _accepted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _stop = new();
        private Task _serve = Task.CompletedTask;

        private SilentTlsServer(X509Certificate2 certificate, string caFile, bool handshake)
        {
            _certificate = certificate;
            _caFile = caFile;
            _handshake = handshake;
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public static async Task<SilentTlsServer> StartAsync(bool handshake)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            // A PKCS#12 round trip: an ephemeral key is not usable by every TLS backend.
            var certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
            var caFile = Path.Combine(Path.GetTempPath(), $"mqtt-silent-{Guid.NewGuid():N}.pem");
            await File.WriteAllTextAsync(caFile, certificate.ExportCertificatePem());
            var server = new SilentTlsServer(certificate, caFile, handshake);
            server._listener.Start();
            server._serve = server.ServeAsync();
            return server;
        }

        public void Configure(MqttClientOptions options)
        {
            options.Host = "localhost";
            options.Tls = true;
            options.CaFile = _caFile;
        }

        /// <summary>The first byte of what the client wrote after the handshake.</summary>
        public async Task<byte> ReadConnectAsync(TimeSpan timeout) => await ReadByteAsync(timeout);

        /// <summary>The first byte of the ClientHello record (0x16, handshake).</summary>
        public async Task ReadClientHelloAsync(TimeSpan timeout) => Assert.Equal((byte)0x16, await ReadByteAsync(timeout));

        private async Task<byte> ReadByteAsync(TimeSpan timeout)
        {
            var stream = await _accepted.Task.WaitAsync(timeout);
            var buffer = new byte[1];
            using var cancel = new CancellationTokenSource(timeout);
            await stream.ReadExactlyAsync(buffer, cancel.Token);
            return buffer[0];
        }

        private async Task ServeAsync()
        {
            try
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                Stream stream = new NetworkStream(socket, ownsSocket: true);
                if (_handshake)
                {
                    var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                    stream = ssl;
                    await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
                }
                _accepted.TrySetResult(stream);
            }
            catch (Exception e)
            {
                _accepted.TrySetException(e);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _serve;
            if (_accepted.Task.IsCompletedSuccessfully) await (await _accepted.Task).DisposeAsync();
            _certificate.Dispose();
            _stop.Dispose();
            File.Delete(_caFile);
        }
    }
}
