using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using FarmGateway.Drivers;
using FarmGateway.Journal;
using FarmGateway.Readings;
using FarmGateway.Uplinks.Aws;
using Microsoft.Extensions.Logging;

namespace FarmGateway.Tests.Uplinks.Kinesis;

/// <summary>A request as it left the signing handler: headers (request and content) and body bytes.</summary>
public sealed record SentRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : throw new KeyNotFoundException($"no {name} header");

    public JsonNode Json => JsonNode.Parse(Body)!;

    public string Signature => Header("Authorization")[(Header("Authorization").IndexOf("Signature=", StringComparison.Ordinal) + 10)..];

    /// <summary>The PutRecords entries: decoded data and partition key.</summary>
    public IReadOnlyList<(byte[] Data, string PartitionKey)> Records =>
        Json["Records"]!.AsArray().Select(r => (Convert.FromBase64String((string)r!["Data"]!), (string)r["PartitionKey"]!)).ToList();
}

/// <summary>
/// A scripted far side: each request takes the next step of the script (a canned answer, an
/// exception, a hang until cancelled); when the script is done, PutRecords writes every record
/// and DescribeStreamSummary finds an ACTIVE stream.
/// </summary>
public sealed class ScriptedKinesis : HttpMessageHandler
{
    private readonly Lock _gate = new();
    private readonly Queue<Func<SentRequest, CancellationToken, Task<HttpResponseMessage>>> _script = new();
    private readonly List<SentRequest> _requests = [];

    public IReadOnlyList<SentRequest> Requests
    {
        get { lock (_gate) return [.. _requests]; }
    }

    public ScriptedKinesis Then(Func<SentRequest, CancellationToken, Task<HttpResponseMessage>> step)
    {
        lock (_gate) _script.Enqueue(step);
        return this;
    }

    public ScriptedKinesis ThenAnswer(HttpStatusCode status, string body, params (string Name, string Value)[] headers) =>
        Then((_, _) => Task.FromResult(Answer(status, body, headers)));

    public ScriptedKinesis ThenAnswer(Func<SentRequest, string> body) =>
        Then((request, _) => Task.FromResult(Answer(HttpStatusCode.OK, body(request))));

    public ScriptedKinesis ThenError(HttpStatusCode status, string type, string message = "") =>
        ThenAnswer(status, JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = type, ["message"] = message }));

    public ScriptedKinesis ThenThrow(Exception exception) => Then((_, _) => Task.FromException<HttpResponseMessage>(exception));

    /// <summary>Never answers; the attempt ends when its timeout (or the caller) cancels it.</summary>
    public ScriptedKinesis ThenHang() => Then(async (_, ct) =>
    {
        await Task.Delay(Timeout.Infinite, ct);
        throw new InvalidOperationException("unreachable");
    });

    public ScriptedKinesis Times(int count, Action<ScriptedKinesis> step)
    {
        for (var i = 0; i < count; i++) step(this);
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var sent = new SentRequest(request.Method, request.RequestUri!, headers, body);
        Func<SentRequest, CancellationToken, Task<HttpResponseMessage>>? step;
        lock (_gate)
        {
            _requests.Add(sent);
            _script.TryDequeue(out step);
        }
        return await (step ?? Default)(sent, cancellationToken);
    }

    private static Task<HttpResponseMessage> Default(SentRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(request.Header("X-Amz-Target") switch
        {
            "Kinesis_20131202.PutRecords" => Answer(HttpStatusCode.OK, KinesisAnswers.AllWritten(request.Records.Count)),
            "Kinesis_20131202.DescribeStreamSummary" => Answer(HttpStatusCode.OK, KinesisAnswers.Summary((string)request.Json["StreamName"]!, "ACTIVE", 2)),
            var target => Answer(HttpStatusCode.BadRequest, $$"""{"__type":"UnknownOperationException","message":"{{target}}"}"""),
        });

    public static HttpResponseMessage Answer(HttpStatusCode status, string body, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8) };
        response.Content.Headers.ContentType = new("application/x-amz-json-1.1");
        foreach (var (name, value) in headers) response.Headers.TryAddWithoutValidation(name, value);
        return response;
    }
}

/// <summary>Answers as Kinesis gives them.</summary>
public static class KinesisAnswers
{
    public static string AllWritten(int count) => PutRecords(count);

    /// <summary>A PutRecords answer for <paramref name="count"/> records, <paramref name="failed"/> failing with their code and message.</summary>
    public static string PutRecords(int count, params (int Index, string Code, string Message)[] failed) =>
        PutRecords(count, failedRecordCount: failed.Length, failed);

    public static string PutRecords(int count, int failedRecordCount, params (int Index, string Code, string Message)[] failed)
    {
        var records = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            var failure = failed.FirstOrDefault(f => f.Index == i);
            records.Add(failure.Code is null
                ? new JsonObject { ["SequenceNumber"] = $"4959{i:D52}", ["ShardId"] = "shardId-000000000000" }
                : new JsonObject { ["ErrorCode"] = failure.Code, ["ErrorMessage"] = failure.Message });
        }
        return new JsonObject { ["FailedRecordCount"] = failedRecordCount, ["Records"] = records }.ToJsonString();
    }

    public static string Summary(string stream, string status, int shards) =>
        new JsonObject
        {
            ["StreamDescriptionSummary"] = new JsonObject
            {
                ["StreamName"] = stream, ["StreamARN"] = $"arn:aws:kinesis:ap-northeast-2:111122223333:stream/{stream}",
                ["StreamStatus"] = status, ["OpenShardCount"] = shards, ["EncryptionType"] = "NONE", ["RetentionPeriodHours"] = 24,
            },
        }.ToJsonString();
}

/// <summary>Fixed keys; after <see cref="Invalidate"/> the next resolution hands out a new session (new secret and token).</summary>
public sealed class TestCredentials() : AwsCredentialSource(null)
{
    public const string AccessKey = "AKIDTESTKEY0000001";
    public const string SecretPrefix = "testSecretKeyDoNotLog";
    public const string TokenPrefix = "testSessionTokenDoNotLog";

    private int _generation;

    public int Invalidations { get; private set; }

    public Exception? Failure { get; set; }

    public string Secret => $"{SecretPrefix}{_generation}";

    public string Token => $"{TokenPrefix}{_generation}";

    public override Task<ImmutableCredentials> GetAsync(CancellationToken cancellationToken) =>
        Failure is { } failure
            ? Task.FromException<ImmutableCredentials>(failure)
            : Task.FromResult(new ImmutableCredentials(AccessKey, Secret, Token));

    public override void Invalidate()
    {
        Invalidations++;
        _generation++;
    }
}

/// <summary>Every log event at every level, with its exception, for assertions.</summary>
public sealed class LogCapture<T> : ILogger<T>
{
    private readonly Lock _gate = new();
    private readonly List<(LogLevel Level, int Id, string Message)> _events = [];

    public IReadOnlyList<(LogLevel Level, int Id, string Message)> Events
    {
        get { lock (_gate) return [.. _events]; }
    }

    public string All => string.Join("\n", Events.Select(e => $"{e.Level} {e.Id} {e.Message}"));

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var message = formatter(state, exception) + (exception is null ? "" : "\n" + exception);
        lock (_gate) _events.Add((logLevel, eventId.Id, message));
    }
}

/// <summary>Schema v1 records as the journal holds them (the gateway's own serializer).</summary>
public static class KinesisRecords
{
    public const string Epoch = "1f3a9c0d";
    private static readonly RecordSerializer Serializer = new(new GatewayIdentity("barn-1", "farm-a", null));

    public static JournalRecord Record(long sequence, string sensor = "barn1-scd30") =>
        new(Epoch, sequence, Serializer.ToUtf8(
            new Reading(sensor, "SCD30", new DateTimeOffset(2026, 11, 22, 10, 15, 30, TimeSpan.Zero).AddMilliseconds(sequence % 1_000_000_000), true,
                new ClimateSample(TemperatureC: 21.4, HumidityPercent: 55.2, Co2Ppm: 612)),
            new RecordId(Epoch, sequence)));

    public static JournalRecord Raw(long sequence, string payload) => new(Epoch, sequence, Encoding.UTF8.GetBytes(payload));

    public static IReadOnlyList<JournalRecord> Batch(int count, int firstSequence = 1) =>
        Enumerable.Range(firstSequence, count).Select(i => Record(i, $"sensor-{i % 3}")).ToList();
}
