using System.Text;
using FarmGateway.Mqtt.Client;
using FarmGateway.Mqtt.Packets;
using FarmGateway.Tests.Testing;

namespace FarmGateway.Tests.Mqtt;

/// <summary>The client against a scripted server on loopback (real brokers: the integration tests).</summary>
public sealed class MqttClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static MqttClient Create(FakeMqttBroker broker, TimeProvider? time = null, Action<MqttClientOptions>? configure = null)
    {
        var options = new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = broker.Port,
            ClientId = "unit",
            CleanSession = false,
            KeepAlive = TimeSpan.Zero,
            ReconnectDelayMin = TimeSpan.FromMilliseconds(20),
            ReconnectDelayMax = TimeSpan.FromMilliseconds(50),
        };
        configure?.Invoke(options);
        return new MqttClient(options, time ?? TimeProvider.System, new CapturingLogger<MqttClient>());
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
}
