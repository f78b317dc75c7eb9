using System.Text;
using FarmGateway.Journal;
using FarmGateway.Mqtt.Client;
using FarmGateway.Mqtt.Packets;
using FarmGateway.Tests.Mqtt;
using FarmGateway.Tests.Testing;
using FarmGateway.Uplinks;
using FarmGateway.Uplinks.IotCore;

namespace FarmGateway.Tests.Uplinks.IotCore;

/// <summary>
/// The uplink against a scripted MQTT server on loopback (plain TCP through the test hook; TLS,
/// certificates and ALPN against real servers are in the integration tests), and its pure parts.
/// </summary>
public sealed class IotCoreUplinkTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private const string Topic = "farm/barn-3/readings";

    private static IotCoreUplinkOptions Options(Action<IotCoreUplinkOptions>? change = null)
    {
        var options = new IotCoreUplinkOptions
        {
            Enabled = true,
            Endpoint = "a1b2c3d4e5f6g7-ats.iot.ap-northeast-2.amazonaws.com",
            Topic = Topic,
            CertificateFile = "/etc/farm-gateway/iot/certificate.pem.crt",
            PrivateKeyFile = "/etc/farm-gateway/iot/private.pem.key",
        };
        change?.Invoke(options);
        return options;
    }

    private static (IotCoreUplink Uplink, CapturingLogger<IotCoreUplink> Log) Create(
        FakeMqttBroker broker, Action<IotCoreUplinkOptions>? change = null, TimeProvider? time = null)
    {
        var log = new CapturingLogger<IotCoreUplink>();
        var uplink = new IotCoreUplink(Options(change), "barn-1", time ?? TimeProvider.System, log, client =>
        {
            client.Host = "127.0.0.1";
            client.Port = broker.Port;
            client.Tls = false;
            client.Alpn = null;
            client.CaFile = client.ClientCertificateFile = client.PrivateKeyFile = null;
            client.ReconnectDelayMin = TimeSpan.FromMilliseconds(20);
            client.ReconnectDelayMax = TimeSpan.FromMilliseconds(50);
        });
        return (uplink, log);
    }

    private static JournalRecord Record(long sequence) =>
        new("1f3a9c0d", sequence, Encoding.UTF8.GetBytes($"{{\"id\":\"barn-1:1f3a9c0d:{sequence:D12}\",\"t\":21.5}}"));

    private static List<JournalRecord> Records(int count) => [.. Enumerable.Range(1, count).Select(i => Record(i))];

    /// <summary>A PUBLISH as the server reads it: topic, packet id, payload.</summary>
    private static (string Topic, ushort Id, byte[] Payload) Parse(FakeMqttPacket packet)
    {
        Assert.Equal(MqttPacketType.Publish, packet.Type);
        Assert.Equal(0b0010, packet.Flags & 0b0110); // QoS 1
        Assert.Equal(0, packet.Flags & 0b0001); // not retained
        var topicLength = (packet.Body[0] << 8) | packet.Body[1];
        var topic = Encoding.UTF8.GetString(packet.Body, 2, topicLength);
        return (topic, packet.PacketIdAt(2 + topicLength), packet.Body[(4 + topicLength)..]);
    }

    private static async Task<FakeMqttSession> ConnectAsync(FakeMqttBroker broker)
    {
        var session = await broker.AcceptAsync(Timeout);
        await session.SendAsync("20020000");
        return session;
    }

    [Fact]
    public async Task SendAsync_EveryPubAckArrives_ReturnsAllDeliveredOnlyAfterTheLast()
    {
        await using var broker = new FakeMqttBroker();
        var (uplink, _) = Create(broker);
        await using var _ = uplink;
        await uplink.StartAsync(CancellationToken.None);
        var session = await ConnectAsync(broker);
        var batch = Records(3);

        var sending = uplink.SendAsync(batch, CancellationToken.None);
        var published = new List<(string Topic, ushort Id, byte[] Payload)>();
        for (var i = 0; i < 3; i++) published.Add(Parse(await session.ReadAsync(Timeout)));
        await session.SendAsync($"4002{published[0].Id:X4}");
        await session.SendAsync($"4002{published[1].Id:X4}");
        Assert.False(sending.IsCompleted);
        await session.SendAsync($"4002{published[2].Id:X4}");
        var result = await sending.WaitAsync(Timeout);

        Assert.True(result.Complete);
        Assert.All(published, p => Assert.Equal(Topic, p.Topic));
        Assert.Equal(batch.Select(r => r.Payload.ToArray()), published.Select(p => p.Payload)); // the record bytes, in order
    }

    [Fact]
    public async Task SendAsync_ConnectionLostMidBatch_UnacknowledgedRecordsAreRetry()
    {
        await using var broker = new FakeMqttBroker();
        var (uplink, _) = Create(broker);
        await using var _ = uplink;
        await uplink.StartAsync(CancellationToken.None);
        var session = await ConnectAsync(broker);

        var sending = uplink.SendAsync(Records(3), CancellationToken.None);
        var first = Parse(await session.ReadAsync(Timeout));
        await session.SendAsync($"4002{first.Id:X4}");
        await session.ReadAsync(Timeout);
        session.Dispose();
        var result = await sending.WaitAsync(Timeout);

        Assert.Equal([1, 2], result.Failures.Select(f => f.Index));
        Assert.All(result.Failures, f => Assert.Equal(RecordFailureKind.Retry, f.Kind));
        Assert.Contains("ended before the PUBACK", result.Failures[0].Reason);
        Assert.Contains("iot:Publish on 'farm/barn-3/readings'", result.Failures[0].Reason);
    }

    [Fact]
    public async Task SendAsync_BeforeTheFirstConnection_WaitsForIt()
    {
        await using var broker = new FakeMqttBroker();
        var (uplink, _) = Create(broker);
        await using var _ = uplink;
        await uplink.StartAsync(CancellationToken.None);

        var sending = uplink.SendAsync(Records(1), CancellationToken.None);
        var session = await ConnectAsync(broker);
        var publish = Parse(await session.ReadAsync(Timeout));
        await session.SendAsync($"4002{publish.Id:X4}");

        Assert.True((await sending.WaitAsync(Timeout)).Complete);
    }

    [Fact]
    public async Task SendAsync_ConnAckNotAuthorized_ThrowsMisconfiguredNamingThePolicy()
    {
        await using var broker = new FakeMqttBroker();
        var (uplink, _) = Create(broker);
        await using var _ = uplink;
        await uplink.StartAsync(CancellationToken.None);
        var session = await broker.AcceptAsync(Timeout);
        await session.SendAsync("20020005");
        await Eventually.True(() => uplink.Client!.LastError is not null, "the refusal to be seen", Timeout);

        var error = await Assert.ThrowsAsync<UplinkException>(() => uplink.SendAsync(Records(2), CancellationToken.None));

        Assert.Equal(UplinkFailure.Misconfigured, error.Failure);
        Assert.Contains("not authorized", error.Message);
        Assert.Contains("iot:Connect for client id 'barn-1'", error.Message);
    }

    [Fact]
    public async Task SendAsync_BrokerNotListening_ThrowsTransientAtOnce()
    {
        var broker = new FakeMqttBroker();
        var (uplink, _) = Create(broker);
        await using var _ = uplink;
        await broker.DisposeAsync(); // nothing listens on the port any more
        await uplink.StartAsync(CancellationToken.None);
        await Eventually.True(() => uplink.Client!.LastError is not null, "the first attempt to fail", Timeout);

        var error = await Assert.ThrowsAsync<UplinkException>(() => uplink.SendAsync(Records(1), CancellationToken.None));

        Assert.Equal(UplinkFailure.Transient, error.Failure);
        Assert.Contains("connection refused", error.Message);
    }

    [Fact]
    public async Task SendAsync_NoPubAckWithinAckTimeout_RetriesAndDropsTheConnection()
    {
        await using var broker = new FakeMqttBroker();
        var time = new FakeTimeProvider();
        var (uplink, log) = Create(broker, o => o.AckTimeout = TimeSpan.FromSeconds(30), time);
        await using var _ = uplink;
        await uplink.StartAsync(CancellationToken.None);
        var session = await ConnectAsync(broker);

        var sending = uplink.SendAsync(Records(1), CancellationToken.None);
        Parse(await session.ReadAsync(Timeout));
        time.Advance(TimeSpan.FromSeconds(31));
        var result = await sending.WaitAsync(Timeout);

        Assert.Equal(RecordFailureKind.Retry, Assert.Single(result.Failures).Kind);
        Assert.Contains("no PUBACK within 30 s", result.Failures[0].Reason);
        Assert.Single(log.Messages(4305));
        await Assert.ThrowsAnyAsync<IOException>(() => session.ReadAsync(Timeout)); // the stalled connection was closed
    }

    [Fact]
    public async Task SendAsync_ManyRecords_AreSpacedToIotCoresPublishRate()
    {
        await using var broker = new FakeMqttBroker();
        var time = new FakeTimeProvider();
        var (uplink, _) = Create(broker, time: time);
        await using var _ = uplink;
        await uplink.StartAsync(CancellationToken.None);
        var session = await ConnectAsync(broker);

        var sending = uplink.SendAsync(Records(3), CancellationToken.None);
        var ids = new List<ushort> { Parse(await session.ReadAsync(Timeout)).Id };
        // The clock stands still: the second PUBLISH waits for its slot, 10 ms (100 per second) later.
        var second = session.ReadAsync(Timeout);
        await Task.Delay(100); // a bounded look for something that must not happen
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(10));
        ids.Add(Parse(await second).Id);
        time.Advance(TimeSpan.FromMilliseconds(10));
        ids.Add(Parse(await session.ReadAsync(Timeout)).Id);
        foreach (var id in ids) await session.SendAsync($"4002{id:X4}");

        Assert.True((await sending.WaitAsync(Timeout)).Complete);
    }

    [Fact]
    public async Task StartAsync_OptionsIncomplete_LogsTheProblemAndSendThrowsMisconfigured()
    {
        var log = new CapturingLogger<IotCoreUplink>();
        await using var uplink = new IotCoreUplink(Options(o => o.Topic = "farm/+/readings"), "barn-1", TimeProvider.System, log);

        await uplink.StartAsync(CancellationToken.None);
        var error = await Assert.ThrowsAsync<UplinkException>(() => uplink.SendAsync(Records(1), CancellationToken.None));

        Assert.Equal(UplinkFailure.Misconfigured, error.Failure);
        Assert.Contains("wildcard", error.Message);
        Assert.Contains(log.Events, e => e.Id.Id == 4301 && e.Level == Microsoft.Extensions.Logging.LogLevel.Error && e.Message.Contains("Topic"));
        Assert.Null(uplink.Client);
    }

    [Fact]
    public async Task StartAsync_CertificateFileMissing_LogsAnErrorNamingTheKey()
    {
        var log = new CapturingLogger<IotCoreUplink>();
        await using var uplink = new IotCoreUplink(Options(o => o.Endpoint = "127.0.0.1"), "barn-1", TimeProvider.System, log);

        await uplink.StartAsync(CancellationToken.None);

        Assert.Contains(log.Messages(4302), m => m.Contains("Gateway:Uplinks:IotCore:CertificateFile /etc/farm-gateway/iot/certificate.pem.crt"));
    }

    [Fact]
    public async Task Limits_AreIotCoresMessageLimits()
    {
        await using var uplink = new IotCoreUplink(Options(o => o.MaxBatchRecords = 50), "barn-1", TimeProvider.System, new CapturingLogger<IotCoreUplink>());

        Assert.Equal("iotcore", uplink.Name);
        Assert.Equal(new UplinkLimits(50, 512 * 1024, 131_072, TimeSpan.FromSeconds(5)), uplink.Limits);
        Assert.Equal(Record(7).Payload.Length, uplink.WireBytes(Record(7)));
    }

    [Theory]
    [InlineData(8883, null, null)]
    [InlineData(443, null, "x-amzn-mqtt-ca")]
    [InlineData(443, "mqtt", "mqtt")]
    [InlineData(9443, "x-amzn-mqtt-ca", "x-amzn-mqtt-ca")]
    public void ToClientOptions_Port443_OffersAlpnXAmznMqttCa(int port, string? alpn, string? offered)
    {
        var client = IotCoreUplink.ToClientOptions(Options(o => (o.Port, o.Alpn) = (port, alpn)), "barn-1");

        Assert.Equal(offered, client.Alpn);
        Assert.Equal(port, client.Port);
    }

    [Fact]
    public void ToClientOptions_Defaults_MutualTlsCleanSessionGatewayIdAsClientId()
    {
        var options = Options(o => o.CaFile = " /etc/farm-gateway/iot/AmazonRootCA1.pem ");
        var client = IotCoreUplink.ToClientOptions(options, "barn-1");

        Assert.Empty(client.Validate());
        Assert.Equal(("a1b2c3d4e5f6g7-ats.iot.ap-northeast-2.amazonaws.com", 8883, "barn-1"), (client.Host, client.Port, client.ClientId));
        Assert.True(client.Tls);
        Assert.True(client.CleanSession);
        Assert.Equal("/etc/farm-gateway/iot/AmazonRootCA1.pem", client.CaFile);
        Assert.Equal((options.CertificateFile, options.PrivateKeyFile), (client.ClientCertificateFile, client.PrivateKeyFile));
        Assert.Equal((20, TimeSpan.FromMinutes(1)), (client.MaxInFlight, client.KeepAlive));
        Assert.True(client.ReconnectDelayMin >= TimeSpan.FromSeconds(1.25)); // IoT Core: one CONNECT per second per client id, even with -20 % jitter
    }

    [Theory]
    [InlineData("server certificate not trusted: UntrustedRoot: self signed certificate in certificate chain (subject: CN=localhost, issuer: CN=x)", UplinkFailure.Misconfigured, "CaFile")]
    [InlineData("server certificate does not match host name 'a-ats.iot.eu-west-1.amazonaws.com' (subject: CN=other)", UplinkFailure.Misconfigured, "Endpoint")]
    [InlineData("server certificate not trusted: NotTimeValid: certificate is not yet valid (check the clock: is NTP synced?)", UplinkFailure.Transient, "")]
    [InlineData("client certificate /etc/c.pem with key /etc/k.pem cannot be loaded: Could not find file", UplinkFailure.Misconfigured, "PrivateKeyFile")]
    [InlineData("CA file /etc/ca.pem cannot be read as a certificate: Could not find file", UplinkFailure.Misconfigured, "CaFile")]
    [InlineData("connection refused: not authorized (mosquitto also answers this to a wrong user name or password)", UplinkFailure.Misconfigured, "iot:Connect")]
    [InlineData("connection refused: identifier rejected (check the client id)", UplinkFailure.Misconfigured, "iot:Connect")]
    [InlineData("connection refused: server unavailable", UplinkFailure.Transient, "")]
    [InlineData("TCP connect failed: connection refused (is the broker running on that port?) (Connection refused)", UplinkFailure.Transient, "")]
    [InlineData("the broker closed the connection before CONNACK (the broker may have refused the client certificate)", UplinkFailure.Misconfigured, "ACTIVE")]
    [InlineData("TLS handshake failed: Authentication failed: SSL Handshake failed: error:0A000418:SSL routines::tlsv1 alert unknown ca", UplinkFailure.Misconfigured, "ACTIVE")]
    [InlineData("TLS handshake failed: error:0A000460:SSL routines::reason(1120): tlsv1 alert no application protocol", UplinkFailure.Misconfigured, "Alpn")]
    [InlineData("TLS handshake failed: Received an unexpected EOF or 0 bytes from the transport stream.", UplinkFailure.Transient, "")]
    [InlineData("TLS handshake did not finish within 10 s", UplinkFailure.Transient, "")]
    [InlineData("no PINGRESP within 10 s (keepalive 60 s)", UplinkFailure.Transient, "")]
    public void Diagnose_ConnectionError_ClassifiesAndSaysWhatToCheck(string reason, UplinkFailure failure, string hint)
    {
        var (actual, text) = IotCoreUplink.Diagnose(reason, "barn-1", Topic);

        Assert.Equal(failure, actual);
        if (hint.Length == 0) Assert.Equal("", text);
        else Assert.Contains(hint, text);
    }
}
