using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon;
using FarmGateway.Journal;
using FarmGateway.Uplinks.Aws;
using FarmGateway.Uplinks.Http;
using Polly;

namespace FarmGateway.Uplinks.Kinesis;

/// <summary>
/// The two Kinesis operations the uplink needs, in the JSON 1.1 protocol (<c>POST /</c>,
/// <c>X-Amz-Target</c>, SigV4 by <see cref="AwsSigningHandler"/>). Protocol only: it reports
/// what the far side said (<see cref="PutRecordsResult"/>, <see cref="KinesisResponseException"/>)
/// and leaves the meaning to <see cref="KinesisUplink"/>. Each request body is written once,
/// straight from the record bytes, into a reused buffer; every attempt of the shared transient
/// layer (<see cref="UplinkHttp"/>) is a new message over it, signed afresh. Owns the handler
/// chain, including <c>transport</c>.
/// </summary>
public sealed partial class KinesisClient : IDisposable
{
    // https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
    public const string PutRecordsTarget = "Kinesis_20131202.PutRecords";

    // https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DescribeStreamSummary.html
    public const string DescribeStreamSummaryTarget = "Kinesis_20131202.DescribeStreamSummary";

    public const string ContentType = "application/x-amz-json-1.1";
    public const string SigningService = "kinesis";

    /// <summary>Quick retries of the shared transient layer for 5xx, connection errors and timed-out attempts.</summary>
    public const int QuickRetries = 2;

    /// <summary>A partition key is 1..256 Unicode characters: at most 4 UTF-8 bytes each.</summary>
    public const int MaxPartitionKeyBytes = KinesisUplinkOptions.MaxPartitionKeyLength * 4;

    private const int MaxMessageChars = 300;

    private readonly HttpMessageHandler _handler;
    private readonly HttpClient _client;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly TimeProvider _time;
    private readonly ConcurrentBag<RequestBody> _bodies = [];

    public KinesisClient(Uri endpoint, RegionEndpoint region, HttpMessageHandler transport, AwsCredentialSource credentials,
        TimeSpan requestTimeout, TimeProvider time)
    {
        Endpoint = endpoint;
        Region = region;
        _time = time;
        _handler = new AwsSigningHandler(credentials, region, SigningService) { InnerHandler = transport };
        // Polly times each attempt; HttpClient's own 100 s timeout would only get in the way.
        _client = new HttpClient(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        _pipeline = UplinkHttp.CreatePipeline(requestTimeout, QuickRetries, time);
    }

    public Uri Endpoint { get; }

    public RegionEndpoint Region { get; }

    /// <summary>The region's public endpoint, e.g. https://kinesis.ap-northeast-2.amazonaws.com (amazonaws.com.cn in China).</summary>
    public static Uri DefaultEndpoint(RegionEndpoint region) =>
        new($"https://kinesis.{region.SystemName}.{region.PartitionDnsSuffix}/");

    /// <summary>
    /// PutRecords of <paramref name="records"/> in order; <paramref name="partitionKey"/> writes
    /// each record's key as UTF-8. Throws <see cref="KinesisResponseException"/> for an error
    /// answer, or a success answer that is unreadable or does not line up with the records sent;
    /// <see cref="UplinkException"/> (Transient) for connection errors and timeouts.
    /// </summary>
    public async Task<PutRecordsResult> PutRecordsAsync(string streamName, IReadOnlyList<JournalRecord> records,
        PartitionKeyWriter partitionKey, CancellationToken cancellationToken)
    {
        var body = RentBody();
        try
        {
            WritePutRecords(body, streamName, records, partitionKey);
            var answer = await PostAsync(PutRecordsTarget, body.Buffer.WrittenMemory, _pipeline, cancellationToken);
            return ParsePutRecords(answer, records.Count);
        }
        finally
        {
            _bodies.Add(body);
        }
    }

    /// <summary>DescribeStreamSummary with a single attempt of at most <paramref name="timeout"/>.</summary>
    public async Task<StreamSummary> DescribeStreamSummaryAsync(string streamName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var body = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(body))
        {
            writer.WriteStartObject();
            writer.WriteString("StreamName"u8, streamName);
            writer.WriteEndObject();
        }
        var pipeline = UplinkHttp.CreatePipeline(timeout, quickRetries: 0, _time);
        var answer = await PostAsync(DescribeStreamSummaryTarget, body.WrittenMemory, pipeline, cancellationToken);
        try
        {
            using var document = JsonDocument.Parse(answer);
            var summary = document.RootElement.GetProperty("StreamDescriptionSummary");
            return new StreamSummary(
                summary.GetProperty("StreamName").GetString() ?? streamName,
                summary.GetProperty("StreamStatus").GetString() ?? "unknown",
                summary.TryGetProperty("OpenShardCount", out var shards) && shards.TryGetInt32(out var count) ? count : null,
                summary.TryGetProperty("EncryptionType", out var encryption) ? encryption.GetString() : null);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw Unreadable("DescribeStreamSummary", answer, e);
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _handler.Dispose();
    }

    private async Task<byte[]> PostAsync(string target, ReadOnlyMemory<byte> body, ResiliencePipeline<HttpResponseMessage> pipeline,
        CancellationToken cancellationToken)
    {
        var operation = target[(target.IndexOf('.') + 1)..];
        using var response = await UplinkHttp.SendAsync(pipeline, _client, () => CreateRequest(target, body),
            $"Kinesis {operation} at {Endpoint.Authority}", cancellationToken);
        var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw ErrorAnswer(response, answer);
        return answer;
    }

    // A new message per attempt over the same bytes: the signing handler signs each one afresh.
    private HttpRequestMessage CreateRequest(string target, ReadOnlyMemory<byte> body)
    {
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = content };
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        return request;
    }

    private RequestBody RentBody()
    {
        if (!_bodies.TryTake(out var body)) body = new RequestBody();
        body.Buffer.ResetWrittenCount();
        body.Writer.Reset(body.Buffer);
        return body;
    }

    // {"StreamName":..,"Records":[{"Data":<base64 of the payload>,"PartitionKey":..},..]}, no string per record.
    private static void WritePutRecords(RequestBody body, string streamName, IReadOnlyList<JournalRecord> records, PartitionKeyWriter partitionKey)
    {
        Span<byte> key = stackalloc byte[MaxPartitionKeyBytes];
        var writer = body.Writer;
        writer.WriteStartObject();
        writer.WriteString("StreamName"u8, streamName);
        writer.WriteStartArray("Records"u8);
        for (var i = 0; i < records.Count; i++)
        {
            writer.WriteStartObject();
            writer.WriteBase64String("Data"u8, records[i].Payload.Span);
            writer.WriteString("PartitionKey"u8, key[..partitionKey(records[i], key)]);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
    }

    // {"FailedRecordCount":n,"Records":[{"SequenceNumber":..,"ShardId":..} | {"ErrorCode":..,"ErrorMessage":..}]}
    private static PutRecordsResult ParsePutRecords(byte[] answer, int sent)
    {
        int? failedRecordCount = null;
        var failures = new List<PutRecordsFailure>();
        var entries = -1;
        try
        {
            var reader = new Utf8JsonReader(answer);
            Expect(ref reader, JsonTokenType.StartObject);
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("FailedRecordCount"u8))
                {
                    Next(ref reader);
                    failedRecordCount = reader.GetInt32();
                }
                else if (reader.ValueTextEquals("Records"u8))
                {
                    Expect(ref reader, JsonTokenType.StartArray);
                    entries = 0;
                    while (Next(ref reader) == JsonTokenType.StartObject)
                    {
                        if (ReadEntry(ref reader) is { } failure) failures.Add(failure with { Index = entries });
                        entries++;
                    }
                    if (reader.TokenType != JsonTokenType.EndArray) throw new JsonException("Records holds something other than objects");
                }
                else
                {
                    Next(ref reader);
                    reader.Skip();
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw Unreadable("PutRecords", answer, e);
        }
        if (entries < 0) throw Unreadable("PutRecords", answer, null);
        if (entries != sent)
            throw new KinesisResponseException(HttpStatusCode.OK, null,
                $"PutRecords answered with {entries} record result(s) for {sent} record(s) sent; their outcome is unknown");
        return new PutRecordsResult(entries, failedRecordCount, failures);
    }

    /// <summary>One entry of Records: null when written (it has a SequenceNumber), else its error.</summary>
    private static PutRecordsFailure? ReadEntry(ref Utf8JsonReader reader)
    {
        string? code = null, message = null;
        var written = false;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("ErrorCode"u8)) code = NextString(ref reader);
            else if (reader.ValueTextEquals("ErrorMessage"u8)) message = NextString(ref reader);
            else if (reader.ValueTextEquals("SequenceNumber"u8)) written = NextString(ref reader) is { Length: > 0 };
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }
        if (code is { Length: > 0 }) return new PutRecordsFailure(0, code, Redact(message ?? ""));
        // Never assume success: an entry with neither a sequence number nor an error proves nothing.
        return written ? null : throw new JsonException("a record result has neither SequenceNumber nor ErrorCode");
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("the answer ends early");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (Next(ref reader) != type) throw new JsonException($"expected {type}, found {reader.TokenType}");
    }

    private static string? NextString(ref Utf8JsonReader reader) =>
        Next(ref reader) == JsonTokenType.Null ? null : reader.GetString();

    /// <summary>An error answer: the code from the JSON body's __type or the x-amzn-ErrorType header.</summary>
    private KinesisResponseException ErrorAnswer(HttpResponseMessage response, byte[] answer)
    {
        string? code = null, message = null;
        try
        {
            using var document = JsonDocument.Parse(answer);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    if (property.Value.ValueKind != JsonValueKind.String) continue;
                    if (property.NameEquals("__type")) code = property.Value.GetString();
                    else if (property.Name.Equals("message", StringComparison.OrdinalIgnoreCase)) message = property.Value.GetString();
                }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, an empty 413): the header or the status must do.
        }
        if (string.IsNullOrEmpty(code) && response.Headers.TryGetValues("x-amzn-ErrorType", out var types)) code = types.FirstOrDefault();
        if (string.IsNullOrEmpty(message) && response.Headers.TryGetValues("x-amzn-ErrorMessage", out var messages))
            message = messages.FirstOrDefault();
        if (string.IsNullOrEmpty(message) && answer.Length > 0 && code is null) message = Encoding.UTF8.GetString(answer);
        return new KinesisResponseException(response.StatusCode, ErrorCode(code), Redact(message ?? ""),
            UplinkHttp.RetryAfter(response, _time));
    }

    /// <summary>"com.amazonaws.kinesis.v20131202#ResourceNotFoundException" and "ResourceNotFoundException:http://..." to the bare code.</summary>
    public static string? ErrorCode(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        var code = raw[(raw.LastIndexOf('#') + 1)..];
        var colon = code.IndexOf(':');
        if (colon >= 0) code = code[..colon];
        code = code.Trim();
        return code.Length == 0 ? null : code;
    }

    /// <summary>
    /// A far-side message made safe to log: signatures, credential scopes and tokens cut out
    /// (some endpoints echo the Authorization header), whitespace folded, length bounded.
    /// </summary>
    public static string Redact(string message)
    {
        var safe = SecretPattern().Replace(message, m => m.Groups["name"].Value + "=<redacted>");
        safe = Whitespace().Replace(safe, " ").Trim();
        return safe.Length <= MaxMessageChars ? safe : safe[..MaxMessageChars] + "...";
    }

    private static KinesisResponseException Unreadable(string operation, byte[] answer, Exception? inner)
    {
        var start = Redact(Encoding.UTF8.GetString(answer, 0, Math.Min(answer.Length, 120)));
        return new KinesisResponseException(HttpStatusCode.OK, null,
            $"{operation} answered 200 but the answer cannot be read ({inner?.Message ?? "no Records"}; it starts with \"{start}\")", null, inner);
    }

    [GeneratedRegex(@"(?<name>Signature|Credential|X-Amz-Security-Token|X-Amz-Signature|X-Amz-Credential|Authorization|aws_secret_access_key|aws_session_token)\s*[=:]\s*[^\s,;""']+",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    private sealed class RequestBody
    {
        public ArrayBufferWriter<byte> Buffer { get; } = new(64 * 1024);

        public Utf8JsonWriter Writer { get; }

        public RequestBody() => Writer = new Utf8JsonWriter(Buffer);
    }
}

/// <summary>Writes the partition key of <paramref name="record"/> as UTF-8 into <paramref name="utf8Key"/>; returns its length.</summary>
public delegate int PartitionKeyWriter(JournalRecord record, Span<byte> utf8Key);

/// <param name="OpenShardCount">Null when the answer does not say.</param>
public sealed record StreamSummary(string StreamName, string Status, int? OpenShardCount, string? EncryptionType);

/// <param name="Index">Position of the record in the request.</param>
public readonly record struct PutRecordsFailure(int Index, string ErrorCode, string ErrorMessage);

/// <summary>A PutRecords answer whose record results line up with the request.</summary>
/// <param name="FailedRecordCount">As the answer says; <see cref="Failures"/> is what counts.</param>
public sealed record PutRecordsResult(int RecordCount, int? FailedRecordCount, IReadOnlyList<PutRecordsFailure> Failures);

/// <summary>
/// An error answer of Kinesis (<see cref="ErrorCode"/> from <c>__type</c> or <c>x-amzn-ErrorType</c>,
/// null when there is none), or a 200 answer that cannot be read or does not line up with the
/// request. The message is redacted (see <see cref="KinesisClient.Redact"/>).
/// </summary>
public sealed class KinesisResponseException(HttpStatusCode status, string? errorCode, string errorMessage,
    TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(errorCode is null ? $"HTTP {(int)status}: {errorMessage}" : $"HTTP {(int)status} {errorCode}: {errorMessage}", inner)
{
    public HttpStatusCode Status { get; } = status;

    public string? ErrorCode { get; } = errorCode;

    public string ErrorMessage { get; } = errorMessage;

    public TimeSpan? RetryAfter { get; } = retryAfter;
}
