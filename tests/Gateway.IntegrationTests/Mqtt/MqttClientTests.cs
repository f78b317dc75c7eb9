using System.Collections.Concurrent;
using System.Text;
using FarmGateway.IntegrationTests.Testing;
using FarmGateway.Mqtt.Client;
using FarmGateway.Mqtt.Packets;
using FarmGateway.Tests.Testing;

namespace FarmGateway.IntegrationTests.Mqtt;

/// <summary>The MQTT client against a real mosquitto, with mosquitto_sub/mosquitto_pub as independent peers.</summary>
public sealed class MqttClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static MqttClientOptions Plain(Mosquitto broker, string? clientId = null, bool cleanSession = true) => new()
    {
        Host = "127.0.0.1",
        Port = broker.PlainPort,
        ClientId = clientId ?? "test-" + Guid.NewGuid().ToString("N")[..10],
        CleanSession = cleanSession,
        KeepAlive = TimeSpan.FromSeconds(5),
        ReconnectDelayMin = TimeSpan.FromMilliseconds(200),
        ReconnectDelayMax = TimeSpan.FromSeconds(1),
    };

    private static MqttClientOptions MutualTls(Mosquitto broker, string? caFile = null, string? certFile = null, string? keyFile = null) => new()
    {
        Host = "localhost",
        Port = broker.TlsPort,
        ClientId = "tls-" + Guid.NewGuid().ToString("N")[..10],
        Tls = true,
        CaFile = caFile ?? broker.Certificates.CaFile,
        ClientCertificateFile = certFile ?? broker.Certificates.ClientCertFile,
        PrivateKeyFile = keyFile ?? broker.Certificates.ClientKeyFile,
        ReconnectDelayMin = TimeSpan.FromMilliseconds(200),
        ReconnectDelayMax = TimeSpan.FromSeconds(1),
    };

    private static (MqttClient Client, CapturingLogger<MqttClient> Log) Create(MqttClientOptions options, TimeProvider? time = null)
    {
        var log = new CapturingLogger<MqttClient>();
        return (new MqttClient(options, time ?? TimeProvider.System, log), log);
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static async Task Connected(MqttClient client, CapturingLogger<MqttClient> log) =>
        await Eventually.True(() => client.State == MqttClientState.Connected, "the client to connect", Timeout,
            () => $"state {client.State}, last error {client.LastError}\n{string.Join('\n', log.Events.Select(e => e.Message))}");

    [Fact]
    public async Task PublishAsync_Qos1_IsAcknowledgedAndSeenBySubscriber()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var subscriber = await broker.StartSubscriberAsync("farm/out/#");
        var (client, log) = Create(Plain(broker));
        await using var _ = client;

        await client.StartAsync();
        var results = await Task.WhenAll(Enumerable.Range(1, 50).Select(i => client.PublishAsync($"farm/out/{i % 3}", Utf8($"m{i}")).AsTask()));

        Assert.All(results, r => Assert.Equal(MqttPublishStatus.Acknowledged, r.Status));
        var lines = await subscriber.WaitForCountAsync(50, Timeout);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => $"farm/out/{i % 3} m{i}"), lines);
        Assert.Single(log.Messages(5000));
    }

    [Fact]
    public async Task PublishAsync_Qos0WhileNotConnected_ReturnsNotConnected()
    {
        await using var broker = await Mosquitto.StartAsync();
        var (client, _) = Create(Plain(broker));
        await using var __ = client;

        var result = await client.PublishAsync("farm/out", Utf8("x"), MqttQos.AtMostOnce);

        Assert.Equal(MqttPublishStatus.NotConnected, result.Status);
    }

    [Fact]
    public async Task SubscribeAsync_MessagesFromPeer_ReachHandlerInOrder_AndAreAckedInOrderOnlyAfterTheirHandlers()
    {
        await using var broker = await Mosquitto.StartAsync();
        var (client, log) = Create(Plain(broker, "ingest-1", cleanSession: false));
        await using var _ = client;
        var received = new ConcurrentQueue<MqttIncomingMessage>();
        var holdFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscribed = new ConcurrentQueue<MqttSubscribeResult>();
        client.MessageHandler = async message =>
        {
            received.Enqueue(message);
            if (Encoding.UTF8.GetString(message.Payload.Span) == "one" && !message.Dup) await holdFirst.Task;
        };
        client.OnConnected = async (_, token) => subscribed.Enqueue(await client.SubscribeAsync([new("farm/in/#"), new("farm/zero", MqttQos.AtMostOnce)], token));
        await client.StartAsync();
        await Eventually.True(() => !subscribed.IsEmpty, "the subscription", Timeout);
        Assert.Equal([MqttQos.AtLeastOnce, MqttQos.AtMostOnce], subscribed.First().Granted);

        await broker.PublishAsync("farm/in/a", "one");
        await broker.PublishAsync("farm/in/b", "two");
        await Eventually.True(() => received.Count == 2, "both messages at the handler, in order", Timeout);
        // The handler still holds "one": the read loop goes on (this PUBACK arrives), and "two",
        // handled already, is not acknowledged before "one" [MQTT-4.6.0-2].
        Assert.Equal(MqttPublishStatus.Acknowledged, (await client.PublishAsync("farm/other", Utf8("x")).AsTask().WaitAsync(Timeout)).Status);

        // Neither was acknowledged, so after a dropped connection the broker delivers both again.
        client.DropConnection("test: cable pulled");
        holdFirst.SetResult();
        await Eventually.True(() => received.Count(m => m.Dup) >= 2,
            "\"one\" and \"two\" delivered again with DUP", Timeout, () => string.Join(", ", received.Select(m => $"{Encoding.UTF8.GetString(m.Payload.Span)} dup={m.Dup}")));
        Assert.Equal(["one", "two"], received.Take(2).Select(m => Encoding.UTF8.GetString(m.Payload.Span)));
        Assert.Equal(["one", "two"], received.Where(m => m.Dup).Take(2).Select(m => Encoding.UTF8.GetString(m.Payload.Span)));
        Assert.Contains(log.Messages(5002), m => m.Contains("cable pulled"));
    }

    [Fact]
    public async Task StartAsync_BrokerDownThenUp_RetriesWithBackoffAndConnects()
    {
        await using var broker = await Mosquitto.StartAsync();
        await broker.StopAsync();
        var (client, log) = Create(Plain(broker));
        await using var _ = client;

        var started = DateTime.UtcNow;
        await client.StartAsync();
        await Eventually.True(() => DateTime.UtcNow - started > TimeSpan.FromSeconds(3), "3 s of retrying", Timeout);
        var attempts = client.ConnectionAttempts;

        // 200 ms doubling to 1 s: about 5 attempts in 3 s; a spinning loop would make thousands.
        Assert.InRange(attempts, 2, 10);
        Assert.Contains(client.State, (MqttClientState[])[MqttClientState.Disconnected, MqttClientState.Connecting]);
        Assert.Contains("connection refused", client.LastError ?? log.Messages(5001).FirstOrDefault() ?? "");
        Assert.Single(log.Messages(5001)); // once per change of reason, not per attempt

        await broker.RestartAsync();
        await Connected(client, log);
        Assert.Equal(MqttPublishStatus.Acknowledged, (await client.PublishAsync("farm/up", Utf8("x")).AsTask().WaitAsync(Timeout)).Status);
    }

    [Fact]
    public async Task StartAsync_BrokerDown_WaitsForTheClockBetweenAttempts()
    {
        await using var broker = await Mosquitto.StartAsync();
        await broker.StopAsync();
        var time = new FakeTimeProvider();
        var (client, log) = Create(Plain(broker), time);
        await using var _ = client;

        await client.StartAsync();
        await Eventually.True(() => client.LastError is not null, "the first attempt to fail", Timeout);
        for (var i = 0; i < 20; i++) await Task.Yield();
        Assert.Equal(1, client.ConnectionAttempts); // no time passed: no second attempt

        // The backoff timer may be armed a moment after LastError is set: move the clock in small
        // steps until the second attempt, and check it came only after the backoff (200 ms, -20 % jitter).
        var advanced = TimeSpan.Zero;
        await Eventually.True(() =>
        {
            if (client.ConnectionAttempts >= 2) return true;
            time.Advance(TimeSpan.FromMilliseconds(20));
            advanced += TimeSpan.FromMilliseconds(20);
            return false;
        }, "a second attempt after the backoff", Timeout);
        Assert.InRange(advanced, TimeSpan.FromMilliseconds(160), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task PublishAsync_BrokerKilledAndRestartedMidStream_NoAcknowledgedMessageIsLost()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var subscriber = await broker.StartSubscriberAsync("farm/stream", qos: 1, clientId: "stream-sub", cleanSession: false);
        var options = Plain(broker, "stream-pub", cleanSession: false);
        options.MaxInFlight = 10;
        var (client, log) = Create(options);
        await using var _ = client;
        await client.StartAsync();

        const int count = 300;
        var acknowledged = new ConcurrentBag<string>();
        var publishing = Task.Run(async () =>
        {
            var pending = new List<Task>();
            for (var i = 1; i <= count; i++)
            {
                var payload = $"s{i}";
                pending.Add(client.PublishAsync("farm/stream", Utf8(payload)).AsTask().ContinueWith(t =>
                {
                    if (t.Result.Status == MqttPublishStatus.Acknowledged) acknowledged.Add(payload);
                }, TaskScheduler.Default));
                if (pending.Count >= 20) await pending[0];
                pending.RemoveAll(p => p.IsCompleted);
            }
            await Task.WhenAll(pending);
        });

        await Eventually.True(() => acknowledged.Count >= 100, "100 acknowledged messages", Timeout);
        var before = acknowledged.Count;
        await broker.KillAsync();
        await Eventually.True(() => client.State != MqttClientState.Connected, "the client to notice", Timeout);
        await broker.RestartAsync();
        await publishing.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(count, acknowledged.Count);
        Assert.True(before < count, "the broker was killed mid-stream");
        await Eventually.True(() => subscriber.Lines.Select(l => l["farm/stream ".Length..]).Distinct().Count() >= count,
            "every acknowledged message at the persistent subscriber", Timeout,
            () => $"missing: {string.Join(", ", acknowledged.Except(subscriber.Lines.Select(l => l["farm/stream ".Length..])).Take(30))}\n{broker.Diagnostics}");
        Assert.Contains(log.Messages(5002), m => m.Length > 0);
    }

    [Fact]
    public async Task StartAsync_CaFileIsABundle_TheBrokersCaAnywhereInItIsTrusted()
    {
        await using var broker = await Mosquitto.StartAsync();
        using var dir = new TempDirectory();
        var bundle = dir.Combine("bundle.pem");
        await File.WriteAllTextAsync(bundle, await File.ReadAllTextAsync(broker.Certificates.OtherCaFile) + await File.ReadAllTextAsync(broker.Certificates.CaFile));
        var (client, log) = Create(MutualTls(broker, caFile: bundle));
        await using var _ = client;

        await client.StartAsync();

        await Connected(client, log);
    }

    [Fact]
    public async Task StartAsync_MutualTls_ConnectsAndPublishes()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var subscriber = await broker.StartSubscriberAsync("farm/tls");
        var (client, log) = Create(MutualTls(broker));
        await using var _ = client;

        await client.StartAsync();

        Assert.Equal(MqttPublishStatus.Acknowledged, (await client.PublishAsync("farm/tls", Utf8("secure")).AsTask().WaitAsync(Timeout)).Status);
        Assert.Equal(["farm/tls secure"], await subscriber.WaitForCountAsync(1, Timeout));
        Assert.DoesNotContain("PRIVATE KEY", log.AllText);
    }

    [Fact]
    public async Task StartAsync_ServerCertificateFromAnotherCa_ReportsNotTrustedAndKeepsRetrying()
    {
        await using var broker = await Mosquitto.StartAsync();
        var (client, log) = Create(MutualTls(broker, caFile: broker.Certificates.OtherCaFile));
        await using var _ = client;

        await client.StartAsync();

        await Eventually.True(() => client.ConnectionAttempts >= 3, "several attempts", Timeout);
        Assert.StartsWith("server certificate not trusted", client.LastError);
        Assert.Single(log.Messages(5001));
        Assert.NotEqual(MqttClientState.Stopped, client.State);
    }

    [Fact]
    public async Task StartAsync_ClientCertificateFromAnotherCa_ReportsTheBrokerRefusedIt()
    {
        await using var broker = await Mosquitto.StartAsync();
        var certificates = broker.Certificates;
        var (client, log) = Create(MutualTls(broker, certFile: certificates.OtherClientCertFile, keyFile: certificates.OtherClientKeyFile));
        await using var _ = client;

        await client.StartAsync();

        await Eventually.True(() => client.ConnectionAttempts >= 2 && client.LastError is not null, "a failed attempt", Timeout);
        Assert.Contains("certificate", client.LastError);
        Assert.NotEqual(MqttClientState.Connected, client.State);
        Assert.Single(log.Messages(5001));
    }

    [Fact]
    public async Task StartAsync_Alpn_IsOfferedInTheTlsHandshake()
    {
        await using var server = await AlpnServer.StartAsync();
        var (client, _) = Create(new MqttClientOptions
        {
            Host = "localhost",
            Port = server.Port,
            ClientId = "alpn",
            Tls = true,
            CaFile = server.Certificates.CaFile,
            Alpn = AlpnServer.AwsIotMqttProtocol,
            ReconnectDelayMin = TimeSpan.FromSeconds(1),
        });
        await using var _ = client;

        await client.StartAsync();

        // s_server speaks HTTP, not MQTT, so the attempt fails after the handshake; the handshake is what counts.
        await Eventually.True(() => server.Selected.Contains(AlpnServer.AwsIotMqttProtocol), "the negotiated ALPN protocol", Timeout, () => server.Output);
        Assert.Equal([AlpnServer.AwsIotMqttProtocol], server.AdvertisedByClients[0]);
    }

    [Fact]
    public async Task StartAsync_WrongPassword_ReportsTheRefusalThenRightOneConnects()
    {
        await using var broker = await Mosquitto.StartAsync();
        var wrong = Plain(broker);
        wrong.Port = broker.PasswordPort;
        wrong.Username = broker.Username;
        wrong.Password = "not-" + broker.Password;
        var (client, log) = Create(wrong);
        await using (client)
        {
            await client.StartAsync();
            await Eventually.True(() => client.LastError is not null, "the refusal", Timeout);
            // mosquitto 2.0.11 answers a wrong password with CONNACK 5 (not authorized), not 4 (bad user name or password).
            Assert.Contains("connection refused: not authorized", client.LastError);
            Assert.DoesNotContain(wrong.Password, log.AllText);
        }

        var right = Plain(broker);
        right.Port = broker.PasswordPort;
        right.Username = broker.Username;
        right.Password = broker.Password;
        var (good, goodLog) = Create(right);
        await using var _ = good;
        await good.StartAsync();
        await Connected(good, goodLog);
        Assert.DoesNotContain(broker.Password, goodLog.AllText);
    }

    [Fact]
    public async Task Will_SocketDroppedAbruptly_IsPublished()
    {
        await using var broker = await Mosquitto.StartAsync();
        var options = Plain(broker);
        options.Will = new MqttWillMessage("farm/will/status", Utf8("offline"), MqttQos.AtLeastOnce, Retain: true);
        var (client, log) = Create(options);
        await using var _ = client;
        await client.StartAsync();
        await Connected(client, log);
        await client.PublishAsync("farm/will/status", Utf8("online"), retain: true);

        client.DropConnection("test: crash");

        await Eventually.True(() => broker.SubscribeAsync("farm/will/status", 1, TimeSpan.FromSeconds(2), retainedOnly: true).Result.SequenceEqual(["farm/will/status offline"]),
            "the retained will", Timeout);
    }

    [Fact]
    public async Task Will_CleanDispose_IsNotPublished()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var subscriber = await broker.StartSubscriberAsync("farm/will/#");
        var options = Plain(broker);
        options.Will = new MqttWillMessage("farm/will/gone", Utf8("offline"));
        var (client, log) = Create(options);
        await client.StartAsync();
        await Connected(client, log);

        await client.DisposeAsync();
        await broker.PublishAsync("farm/will/marker", "after-dispose");

        var lines = await subscriber.WaitForCountAsync(1, Timeout);
        Assert.Equal(["farm/will/marker after-dispose"], lines);
        Assert.Equal(MqttClientState.Stopped, client.State);
        Assert.Equal(MqttPublishStatus.Stopped, (await client.PublishAsync("farm/x", Utf8("late"))).Status);
    }

    [Fact]
    public async Task StopAsync_WithUnacknowledgedMessages_CompletesThemAsStopped()
    {
        await using var broker = await Mosquitto.StartAsync();
        await broker.StopAsync();
        var (client, _) = Create(Plain(broker));
        await client.StartAsync();
        var pending = client.PublishAsync("farm/never", Utf8("x")).AsTask();

        await client.StopAsync().WaitAsync(Timeout);

        Assert.Equal(MqttPublishStatus.Stopped, (await pending.WaitAsync(Timeout)).Status);
        Assert.Equal(MqttClientState.Stopped, client.State);
    }
}
