using System.Text;
using FarmGateway.Configuration;
using FarmGateway.Drivers;
using FarmGateway.Hosting;
using FarmGateway.IntegrationTests.Kinesis;
using FarmGateway.IntegrationTests.Testing;
using FarmGateway.Journal;
using FarmGateway.Mqtt.Client;
using FarmGateway.Readings;
using FarmGateway.Status;
using FarmGateway.Storage;
using FarmGateway.Tests.Testing;
using FarmGateway.Uplinks;
using FarmGateway.Uplinks.IotCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace FarmGateway.IntegrationTests.IotCore;

/// <summary>
/// The IoT Core uplink against a real mosquitto standing in for AWS IoT Core: its mutual-TLS
/// listener (a client certificate signed by the test CA is required), with mosquitto_sub on the
/// plain listener as the "IoT rule" that sees what arrived. ALPN is checked against openssl s_server.
/// </summary>
public sealed class IotCoreUplinkTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private const string Topic = "farm/barn-3/readings";

    private static IotCoreUplinkOptions Options(Mosquitto broker, Action<IotCoreUplinkOptions>? change = null)
    {
        var certificates = broker.Certificates;
        var options = new IotCoreUplinkOptions
        {
            Enabled = true,
            Endpoint = "localhost",
            Port = broker.TlsPort,
            ClientId = "iot-" + Guid.NewGuid().ToString("N")[..10],
            Topic = Topic,
            CaFile = certificates.CaFile,
            CertificateFile = certificates.ClientCertFile,
            PrivateKeyFile = certificates.ClientKeyFile,
            BatchInterval = TimeSpan.Zero,
        };
        change?.Invoke(options);
        return options;
    }

    private static (IotCoreUplink Uplink, CapturingLogger<IotCoreUplink> Log) Create(
        IotCoreUplinkOptions options, Action<MqttClientOptions>? adjustClient = null)
    {
        var log = new CapturingLogger<IotCoreUplink>();
        return (new IotCoreUplink(options, "barn-1", TimeProvider.System, log, adjustClient), log);
    }

    /// <summary>Quick reconnects, for tests that restart the broker.</summary>
    private static void FastReconnect(MqttClientOptions client)
    {
        client.ReconnectDelayMin = TimeSpan.FromMilliseconds(200);
        client.ReconnectDelayMax = TimeSpan.FromSeconds(1);
    }

    private static List<JournalRecord> Records(int count, int first = 1) =>
    [
        .. Enumerable.Range(first, count).Select(i => new JournalRecord("1f3a9c0d", i,
            Encoding.UTF8.GetBytes($"{{\"v\":1,\"id\":\"barn-1:1f3a9c0d:{i:D12}\",\"sensor\":\"sim-1\",\"t\":{20 + i % 10}.5,\"note\":\"ü\"}}"))),
    ];

    private static string Line(JournalRecord record) => $"{Topic} {Encoding.UTF8.GetString(record.Payload.Span)}";

    private static string Describe(CapturingLogger<IotCoreUplink> log, Mosquitto? broker = null) =>
        string.Join('\n', log.Events.Select(e => $"{e.Id.Id} {e.Level}: {e.Message}")) + (broker is null ? "" : "\n" + broker.Diagnostics);

    private static async Task ConnectedAsync(IotCoreUplink uplink, CapturingLogger<IotCoreUplink> log, Mosquitto broker) =>
        await Eventually.True(() => uplink.Client!.State == MqttClientState.Connected, "the uplink to connect", Timeout, () => Describe(log, broker));

    [Fact]
    public async Task SendAsync_BatchOverMutualTls_ArrivesAsTheRecordBytesAfterEveryPubAck()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var subscriber = await broker.StartSubscriberAsync(Topic);
        var (uplink, log) = Create(Options(broker));
        await using var _ = uplink;
        await uplink.StartAsync(CancellationToken.None);
        var batch = Records(60);

        var result = await uplink.SendAsync(batch, CancellationToken.None).WaitAsync(Timeout);

        Assert.True(result.Complete, string.Join("; ", result.Failures));
        Assert.Equal(0, uplink.Client!.Unacknowledged); // it returned after the last PUBACK, not before
        var lines = await subscriber.WaitForCountAsync(batch.Count, Timeout);
        Assert.Equal(batch.Select(Line), lines); // byte for byte, in order
        Assert.Contains(log.Messages(4300), m => m.Contains(Topic));
        Assert.Contains(TestCertificates.ClientCommonName, broker.Log); // authenticated by the client certificate
    }

    [Fact]
    public async Task SendAsync_BrokerKilledMidBatch_UnacknowledgedRecordsAreRetriedAndTheResendDeliversThem()
    {
        await using var broker = await Mosquitto.StartAsync();
        // A persistent session: mosquitto_sub reconnects after the restart and gets what it missed.
        await using var subscriber = await broker.StartSubscriberAsync(Topic, qos: 1, clientId: "iot-rule", cleanSession: false);
        var (uplink, log) = Create(Options(broker), FastReconnect);
        await using var _ = uplink;
        await uplink.StartAsync(CancellationToken.None);
        var batch = Records(300); // paced to 100 per second: about 3 s

        var sending = uplink.SendAsync(batch, CancellationToken.None);
        await Eventually.True(() => subscriber.Lines.Count >= 50, "50 records at the subscriber", Timeout, () => Describe(log, broker));
        await broker.KillAsync();
        var result = await sending.WaitAsync(Timeout);

        Assert.NotEmpty(result.Failures);
        Assert.True(result.Failures.Count < batch.Count, "records acknowledged before the kill count as delivered");
        Assert.All(result.Failures, f => Assert.Equal(RecordFailureKind.Retry, f.Kind));
        Assert.Contains("ended before the PUBACK", result.Failures[0].Reason);

        await broker.RestartAsync();
        var pending = result.Failures.Select(f => batch[f.Index]).ToList();
        var attempts = 0;
        await Eventually.True(async () =>
        {
            attempts++;
            try
            {
                var again = await uplink.SendAsync(pending, CancellationToken.None);
                pending = [.. again.Failures.Select(f => pending[f.Index])];
            }
            catch (UplinkException e) when (e.Failure == UplinkFailure.Transient)
            {
                // Not reconnected yet; the worker would back off here.
            }
            return pending.Count == 0;
        }, "the resend to be delivered", Timeout, () => $"{pending.Count} pending after {attempts} attempt(s)\n{Describe(log, broker)}");

        // At least once: every record id arrived, some perhaps twice.
        var expected = batch.Select(Line).ToHashSet();
        await Eventually.True(() => expected.IsSubsetOf(subscriber.Lines), "every record at the subscriber", Timeout,
            () => $"missing: {string.Join(", ", expected.Except(subscriber.Lines).Take(20))}\n{broker.Diagnostics}");
        Assert.All(subscriber.Lines, l => Assert.Contains(l, expected));
    }

    [Fact]
    public async Task SendAsync_ServerCertificateFromAnotherCa_ReportsMisconfiguredNamingItAndDoesNotSpin()
    {
        await using var broker = await Mosquitto.StartAsync();
        var (uplink, log) = Create(Options(broker, o => o.CaFile = broker.Certificates.OtherCaFile));
        await using var _ = uplink;
        var started = DateTime.UtcNow;
        await uplink.StartAsync(CancellationToken.None);
        await Eventually.True(() => uplink.Client!.LastError is not null, "the first attempt to fail", Timeout, () => Describe(log));

        var error = await Assert.ThrowsAsync<UplinkException>(() => uplink.SendAsync(Records(5), CancellationToken.None));

        Assert.Equal(UplinkFailure.Misconfigured, error.Failure);
        Assert.Contains("server certificate not trusted", error.Message);
        Assert.Contains("Gateway:Uplinks:IotCore:CaFile", error.Message);
        Assert.Contains("farm-gateway-other-ca", error.Message); // the CA it expected
        await Eventually.True(() => DateTime.UtcNow - started > TimeSpan.FromSeconds(3), "3 s of retrying", Timeout);
        // 2 s doubling (±20 %): two or three attempts in 3 s; a spinning loop would make thousands.
        Assert.InRange(uplink.Client!.ConnectionAttempts, 1, 3);
        Assert.Single(log.Messages(5001)); // the client logs the reason once, not per attempt
    }

    [Fact]
    public async Task SendAsync_ClientCertificateTheBrokerDoesNotTrust_ReportsMisconfigured()
    {
        await using var broker = await Mosquitto.StartAsync();
        var certificates = broker.Certificates;
        var (uplink, log) = Create(Options(broker, o => (o.CertificateFile, o.PrivateKeyFile) = (certificates.OtherClientCertFile, certificates.OtherClientKeyFile)));
        await using var _ = uplink;
        await uplink.StartAsync(CancellationToken.None);
        await Eventually.True(() => uplink.Client!.LastError is not null, "the first attempt to fail", Timeout, () => Describe(log));

        var error = await Assert.ThrowsAsync<UplinkException>(() => uplink.SendAsync(Records(1), CancellationToken.None));

        Assert.True(error.Failure == UplinkFailure.Misconfigured, $"{error.Failure}: {error.Message}");
        Assert.Contains("registered and ACTIVE", error.Message);
    }

    [Fact]
    public async Task StartAsync_Port443StyleConfig_OffersAlpnXAmznMqttCaInTheHandshake()
    {
        await using var server = await AlpnServer.StartAsync();
        var certificates = server.Certificates;
        var options = new IotCoreUplinkOptions
        {
            Enabled = true,
            Endpoint = "localhost",
            Port = IotCoreUplinkOptions.HttpsPort, // ALPN comes from the port...
            Topic = Topic,
            CaFile = certificates.CaFile,
            CertificateFile = certificates.ClientCertFile,
            PrivateKeyFile = certificates.ClientKeyFile,
        };
        // ...while the socket goes to s_server: port 443 needs root.
        var (uplink, log) = Create(options, client => client.Port = server.Port);
        await using var _ = uplink;

        await uplink.StartAsync(CancellationToken.None);

        await Eventually.True(() => server.AdvertisedByClients.Count > 0, "a TLS handshake with ALPN", Timeout, () => $"{server.Output}\n{Describe(log)}");
        Assert.Equal([AlpnServer.AwsIotMqttProtocol], server.AdvertisedByClients[0]);
        await Eventually.True(() => server.Selected.Contains(AlpnServer.AwsIotMqttProtocol), "x-amzn-mqtt-ca selected", Timeout, () => server.Output);
    }

    [Fact]
    public async Task UplinkWorker_ReadingsThroughTheJournal_ArriveAtLeastOnceAcrossABrokerRestart()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var subscriber = await broker.StartSubscriberAsync(Topic, qos: 1, clientId: "iot-rule-e2e", cleanSession: false);
        var (uplink, log) = Create(Options(broker, o => o.MaxBatchRecords = 20), FastReconnect);
        await using var pipeline = await Pipeline.StartAsync(uplink);

        pipeline.Produce(40);
        await subscriber.WaitForCountAsync(40, Timeout);
        await broker.KillAsync();
        pipeline.Produce(40); // journaled while IoT Core is away
        await Eventually.True(() => pipeline.Status.FailedAttempts > 0, "the worker to see the outage", Timeout, () => Describe(log));
        await broker.RestartAsync();
        pipeline.Produce(40);

        await Eventually.True(() => pipeline.Backlog == 0 && pipeline.Journal.DurableSequence == 119, "the cursor past all 120 readings", Timeout,
            () => $"backlog {pipeline.Backlog}, status {pipeline.Status.State}: {pipeline.Status.LastError}\n{Describe(log, broker)}");
        var expected = pipeline.JournaledIds();
        Assert.Equal(120, expected.Count);
        await Eventually.True(() => expected.IsSubsetOf(subscriber.Lines.Select(l => RecordIds.Of(Encoding.UTF8.GetBytes(l[(Topic.Length + 1)..])))),
            "every journaled record at the subscriber", Timeout, () => broker.Diagnostics);
    }

    /// <summary>Queue -> JournalService -> DiskJournal -> UplinkWorker -> the uplink, wired as the host wires them, on the real clock.</summary>
    private sealed class Pipeline : IAsyncDisposable
    {
        private const string VerifyCursor = "e2e-verify";
        private readonly TempDirectory _dir = new();
        private readonly ReadingQueue _queue;
        private readonly JournalService _journalService;
        private readonly UplinkWorker _worker;
        private readonly IUplink _uplink;
        private bool _stopped;

        private Pipeline(IUplink uplink)
        {
            _uplink = uplink;
            var time = TimeProvider.System;
            var options = Microsoft.Extensions.Options.Options.Create(TestOptions.Gateway(_dir.Path, o => o.Journal.FlushInterval = TimeSpan.Zero));
            var counters = new GatewayCounters();
            Journal = DiskJournal.Open(_dir.Combine("journal"), options.Value.Journal, time);
            _queue = new ReadingQueue(counters);
            _journalService = new JournalService(Journal, [uplink], options, _queue, counters, new LoopHealth(time), time, NullLogger<JournalService>.Instance);
            _worker = new UplinkWorker(uplink, new UplinkStatuses(), Journal, _journalService, options, AppendFile.Open, time, new CapturingLogger<UplinkWorker>());
        }

        public DiskJournal Journal { get; }

        public UplinkStatus Status => _worker.Status;

        public long Backlog => Journal.GetStats().Cursors.Single(c => c.Name == _uplink.Name).BacklogRecords;

        public static async Task<Pipeline> StartAsync(IUplink uplink)
        {
            var pipeline = new Pipeline(uplink);
            await pipeline._journalService.StartAsync(CancellationToken.None);
            pipeline.Journal.OpenCursor(VerifyCursor, CursorStart.Oldest);
            await pipeline._worker.StartAsync(CancellationToken.None);
            return pipeline;
        }

        public void Produce(int count)
        {
            for (var i = 0; i < count; i++)
                Assert.True(_queue.TryAdd(new Reading("sim-1", "Simulated-DHT22", DateTimeOffset.UtcNow, true, new ClimateSample(15 + i % 20, 50))));
        }

        /// <summary>The id of every record the journal holds.</summary>
        public HashSet<string> JournaledIds()
        {
            Journal.Rewind(VerifyCursor);
            var ids = new HashSet<string>();
            while (Journal.Read(VerifyCursor, 1000, long.MaxValue) is { Count: > 0 } page)
                foreach (var record in page) ids.Add(RecordIds.Of(record.Payload.Span));
            return ids;
        }

        public async ValueTask DisposeAsync()
        {
            if (_stopped) return;
            _stopped = true;
            try
            {
                _queue.Complete();
                await _worker.StopAsync(CancellationToken.None); // disposes the uplink
                await _journalService.StopAsync(CancellationToken.None);
            }
            finally
            {
                _worker.Dispose();
                _journalService.Dispose();
                Journal.Dispose();
                _dir.Dispose();
            }
        }
    }
}
