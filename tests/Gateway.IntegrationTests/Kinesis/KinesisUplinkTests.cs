using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using FarmGateway.Drivers;
using FarmGateway.IntegrationTests.Testing;
using FarmGateway.Journal;
using FarmGateway.Readings;
using FarmGateway.Uplinks;
using FarmGateway.Uplinks.Aws;
using FarmGateway.Uplinks.Kinesis;
using Microsoft.Extensions.Logging;

namespace FarmGateway.IntegrationTests.Kinesis;

/// <summary>The Kinesis uplink against a real Kinesis API (kinesalite), with faults injected in front of it.</summary>
public sealed class KinesisUplinkTests(Kinesalite kinesalite) : IClassFixture<Kinesalite>, IAsyncLifetime
{
    private const string GatewayId = "barn-1";
    private const string Epoch = "5e11a11e";
    private static readonly RecordSerializer Serializer = new(new GatewayIdentity(GatewayId, "farm-a", "barn-1"));

    private readonly string _stream = "farm-sensor-stream-" + Guid.NewGuid().ToString("N")[..8];
    private readonly CapturingLog _log = new();
    private readonly List<KinesisUplink> _uplinks = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var uplink in _uplinks) await uplink.DisposeAsync();
    }

    private KinesisUplink Uplink(HttpMessageHandler? transport = null, Action<KinesisUplinkOptions>? change = null, string? stream = null)
    {
        var options = new KinesisUplinkOptions
        {
            Enabled = true,
            StreamName = stream ?? _stream,
            Region = "ap-northeast-2",
            ServiceUrl = kinesalite.Endpoint.ToString(),
            RequestTimeout = TimeSpan.FromSeconds(10),
        };
        change?.Invoke(options);
        var uplink = new KinesisUplink(options, GatewayId, transport ?? new SocketsHttpHandler(), new FakeCredentials(), TimeProvider.System, _log);
        _uplinks.Add(uplink);
        return uplink;
    }

    private static JournalRecord Record(long sequence, string sensor) =>
        new(Epoch, sequence, Serializer.ToUtf8(
            new Reading(sensor, "SCD30", new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero).AddSeconds(sequence), true,
                new ClimateSample(TemperatureC: 20 + sequence % 10 / 10.0, HumidityPercent: 55.5, Co2Ppm: 600 + sequence % 50)),
            new RecordId(Epoch, sequence)));

    private static List<JournalRecord> Records(int count, int sensors, long first = 1) =>
        Enumerable.Range(0, count).Select(i => Record(first + i, $"sensor-{(first + i) % sensors:D2}")).ToList();

    private static string Sensor(byte[] data)
    {
        using var record = JsonDocument.Parse(data);
        return record.RootElement.GetProperty("sensor").GetString()!;
    }

    private static long Sequence(byte[] data)
    {
        using var record = JsonDocument.Parse(data);
        return long.Parse(record.RootElement.GetProperty("id").GetString()!.Split(':')[2], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task StartAsync_ExistingStream_LogsItActiveWithItsShards()
    {
        await kinesalite.CreateStreamAsync(_stream, shards: 3);

        await Uplink().StartAsync(CancellationToken.None);

        var ready = Assert.Single(_log.Events, e => e.Id == 4200);
        Assert.Equal(LogLevel.Information, ready.Level);
        Assert.Contains($"{_stream} in ap-northeast-2 is ACTIVE with 3 open shard(s)", ready.Message);
        Assert.DoesNotContain(_log.Events, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task StartAsync_MissingStream_LogsAnActionableError_AndDoesNotThrow()
    {
        await Uplink().StartAsync(CancellationToken.None);

        var error = Assert.Single(_log.Events, e => e.Level == LogLevel.Error);
        Assert.Equal(4201, error.Id);
        Assert.Contains($"stream {_stream} not found", error.Message);
        Assert.Contains("Gateway:Uplinks:Kinesis:StreamName", error.Message);
    }

    [Fact]
    public async Task SendAsync_MissingStream_IsMisconfigured()
    {
        var failure = await Assert.ThrowsAsync<UplinkException>(() => Uplink().SendAsync(Records(3, 1), CancellationToken.None));

        Assert.Equal(UplinkFailure.Misconfigured, failure.Failure);
    }

    [Theory]
    [InlineData(PartitionKeySource.Sensor)]
    [InlineData(PartitionKeySource.Gateway)]
    [InlineData(PartitionKeySource.Random)]
    public async Task SendAsync_500Records_AreStoredByteForByte_WithTheConfiguredPartitionKeys(PartitionKeySource source)
    {
        await kinesalite.CreateStreamAsync(_stream, shards: 4);
        var batch = Records(500, sensors: 7);

        var result = await Uplink(change: o => o.PartitionKey = source).SendAsync(batch, CancellationToken.None);

        Assert.True(result.Complete);
        var stored = await kinesalite.ReadAllAsync(_stream);
        Assert.Equal(500, stored.Count);
        var byData = stored.ToDictionary(r => Encoding.UTF8.GetString(r.Data));
        foreach (var record in batch)
        {
            var kept = byData[Encoding.UTF8.GetString(record.Payload.Span)];
            var expectedKey = source switch
            {
                PartitionKeySource.Sensor => Sensor(kept.Data),
                PartitionKeySource.Gateway => GatewayId,
                _ => $"{Epoch}:{record.Sequence:D12}",
            };
            Assert.Equal(expectedKey, kept.PartitionKey);
        }
        if (source == PartitionKeySource.Random) Assert.Equal(4, stored.Select(r => r.ShardId).Distinct().Count());
    }

    [Fact]
    public async Task SendAsync_BatchAfterBatch_KeepsEachSensorsOrderOnItsShard()
    {
        await kinesalite.CreateStreamAsync(_stream, shards: 4);
        var uplink = Uplink();
        for (var batch = 0; batch < 6; batch++)
            Assert.True((await uplink.SendAsync(Records(250, sensors: 10, first: 1 + batch * 250), CancellationToken.None)).Complete);

        var stored = await kinesalite.ReadAllAsync(_stream);

        Assert.Equal(1500, stored.Count);
        foreach (var sensor in stored.GroupBy(r => Sensor(r.Data)))
        {
            Assert.Single(sensor.Select(r => r.ShardId).Distinct());
            var sequences = sensor.Select(r => Sequence(r.Data)).ToList();
            Assert.Equal(sequences.Order(), sequences);
        }
        Assert.True(stored.Select(r => r.ShardId).Distinct().Count() > 1, "ten sensors should spread over more than one of four shards");
    }

    [Fact]
    public async Task SendAsync_PartialFailure_NamesExactlyTheRecordsKinesisDidNotTake_AndTheResendCompletesTheStream()
    {
        await kinesalite.CreateStreamAsync(_stream, shards: 2);
        var faults = new FailRecords(new SocketsHttpHandler(),
            (3, "ProvisionedThroughputExceededException", "Rate exceeded for shard shardId-000000000001"),
            (7, "InternalFailure", "Internal service failure."));
        var uplink = Uplink(faults);
        var batch = Records(10, sensors: 3);

        var result = await uplink.SendAsync(batch, CancellationToken.None);

        Assert.Equal(
            [
                new RecordFailure(3, RecordFailureKind.Throttled, "ProvisionedThroughputExceededException: Rate exceeded for shard shardId-000000000001"),
                new RecordFailure(7, RecordFailureKind.Retry, "InternalFailure: Internal service failure."),
            ],
            result.Failures);
        var stored = (await kinesalite.ReadAllAsync(_stream)).Select(r => Sequence(r.Data)).Order().ToList();
        Assert.Equal(batch.Select(r => r.Sequence).Where(s => s != batch[3].Sequence && s != batch[7].Sequence), stored);

        faults.Failing = false;
        Assert.True((await uplink.SendAsync([batch[3], batch[7]], CancellationToken.None)).Complete);
        Assert.Equal(batch.Select(r => r.Sequence), (await kinesalite.ReadAllAsync(_stream)).Select(r => Sequence(r.Data)).Order());
    }

    [Fact]
    public async Task SendAsync_ConnectionResetAfterKinesisWroteTheBatch_IsTransient_AndTheResendDuplicatesHarmlessly()
    {
        await kinesalite.CreateStreamAsync(_stream, shards: 2);
        var faults = new ResetAfterForwarding(new SocketsHttpHandler());
        var uplink = Uplink(faults);
        var batch = Records(20, sensors: 4);

        var failure = await Assert.ThrowsAsync<UplinkException>(() => uplink.SendAsync(batch, CancellationToken.None));

        Assert.Equal(UplinkFailure.Transient, failure.Failure);
        Assert.Equal(1 + KinesisClient.QuickRetries, faults.Attempts);
        faults.Resetting = false;
        Assert.True((await uplink.SendAsync(batch, CancellationToken.None)).Complete);
        var ids = (await kinesalite.ReadAllAsync(_stream)).Select(r => Sequence(r.Data)).ToList();
        Assert.Equal(batch.Select(r => r.Sequence), ids.Distinct().Order());
    }

    [Fact]
    public async Task SendAsync_NoAnswerWithinRequestTimeout_IsTransient()
    {
        await kinesalite.CreateStreamAsync(_stream, shards: 1);
        var uplink = Uplink(new NeverAnswers(), o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));

        var failure = await Assert.ThrowsAsync<UplinkException>(() => uplink.SendAsync(Records(5, 1), CancellationToken.None));

        Assert.Equal(UplinkFailure.Transient, failure.Failure);
        Assert.Contains("no answer within 0.3 s", failure.Message);
    }

    [Fact]
    public async Task StartAsync_KinesisUnreachable_LogsAWarning_AndDoesNotThrow()
    {
        var closed = new UriBuilder(kinesalite.Endpoint) { Port = FreePort() }.Uri.ToString();
        var uplink = Uplink(change: o => o.ServiceUrl = closed);

        await uplink.StartAsync(CancellationToken.None);

        var warning = Assert.Single(_log.Events, e => e.Level >= LogLevel.Warning);
        Assert.Equal((LogLevel.Warning, 4202), (warning.Level, warning.Id));
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Rewrites real PutRecords exchanges into a partial failure: the named records are cut from
    /// the request kinesalite gets, and its answer gets their error entries back in place.
    /// </summary>
    private sealed class FailRecords(HttpMessageHandler inner, params (int Index, string Code, string Message)[] failures) : DelegatingHandler(inner)
    {
        public bool Failing { get; set; } = true;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var target = request.Headers.GetValues("X-Amz-Target").Single();
            if (!Failing || target != "Kinesis_20131202.PutRecords") return await base.SendAsync(request, cancellationToken);

            var body = JsonNode.Parse(await request.Content!.ReadAsByteArrayAsync(cancellationToken))!;
            var records = body["Records"]!.AsArray();
            var count = records.Count;
            foreach (var (index, _, _) in failures.OrderByDescending(f => f.Index)) records.RemoveAt(index);
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToJsonString()));
            content.Headers.TryAddWithoutValidation("Content-Type", KinesisClient.ContentType);
            request.Content = content;

            var response = await base.SendAsync(request, cancellationToken);
            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
            var written = new Queue<JsonNode>(answer["Records"]!.AsArray().Select(r => r!.DeepClone()));
            var merged = new JsonArray();
            for (var i = 0; i < count; i++)
            {
                var failure = failures.FirstOrDefault(f => f.Index == i);
                merged.Add(failure.Code is null ? written.Dequeue() : new JsonObject { ["ErrorCode"] = failure.Code, ["ErrorMessage"] = failure.Message });
            }
            var rewritten = new JsonObject { ["FailedRecordCount"] = failures.Length, ["Records"] = merged };
            response.Content = new StringContent(rewritten.ToJsonString(), Encoding.UTF8, KinesisClient.ContentType);
            return response;
        }
    }

    /// <summary>Forwards PutRecords (so kinesalite writes it), then loses the answer as a reset connection would.</summary>
    private sealed class ResetAfterForwarding(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int _attempts;

        public bool Resetting { get; set; } = true;

        public int Attempts => Volatile.Read(ref _attempts);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (!Resetting) return response;
            Interlocked.Increment(ref _attempts);
            response.Dispose();
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "Connection reset by peer",
                new IOException("Unable to read data from the transport connection: Connection reset by peer."));
        }
    }

    /// <summary>Accepts the request and never answers; the attempt's timeout cancels it.</summary>
    private sealed class NeverAnswers : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    private sealed class FakeCredentials() : AwsCredentialSource(null)
    {
        public override Task<ImmutableCredentials> GetAsync(CancellationToken cancellationToken) =>
            Task.FromResult(new ImmutableCredentials("AKIDKINESALITETEST", "kinesaliteDoesNotCheckSignatures", null));
    }

    private sealed class CapturingLog : ILogger<KinesisUplink>
    {
        private readonly Lock _gate = new();
        private readonly List<(LogLevel Level, int Id, string Message)> _events = [];

        public IReadOnlyList<(LogLevel Level, int Id, string Message)> Events
        {
            get { lock (_gate) return [.. _events]; }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_gate) _events.Add((logLevel, eventId.Id, formatter(state, exception)));
        }
    }
}
