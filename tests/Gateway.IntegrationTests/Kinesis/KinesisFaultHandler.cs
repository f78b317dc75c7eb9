using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FarmGateway.Journal;
using FarmGateway.Uplinks.Kinesis;

namespace FarmGateway.IntegrationTests.Kinesis;

/// <summary>One record of a PutRecords request as the client sent it.</summary>
/// <param name="Sequence">The journal sequence, from the record's id.</param>
public sealed record SentRecord(long Sequence, string Id, string PartitionKey, byte[] Data);

/// <summary>One PutRecords request as it reached the wire, signed.</summary>
/// <param name="Number">1 for the first PutRecords request.</param>
/// <param name="At">The test clock's time when it arrived.</param>
public sealed record PutRecordsCall(int Number, DateTimeOffset At, IReadOnlyList<SentRecord> Records, string? AmzDate, string? Authorization)
{
    public IEnumerable<long> Sequences => Records.Select(r => r.Sequence);
}

/// <summary>What <see cref="KinesisFaultHandler"/> does with one PutRecords request.</summary>
public abstract record KinesisFault
{
    public static KinesisFault None { get; } = new Forward();

    /// <summary>Hands the request to kinesalite unchanged.</summary>
    public sealed record Forward : KinesisFault;

    /// <summary>
    /// Per-record errors by index (e.g. ProvisionedThroughputExceededException): only the other
    /// records go to kinesalite, and its answer gets the error entries back in their places.
    /// </summary>
    public sealed record RecordErrors(IReadOnlyDictionary<int, string> Codes) : KinesisFault;

    /// <summary>Answers with <paramref name="Status"/> (and a JSON <c>__type</c>), after kinesalite wrote the records if <paramref name="AfterForwarding"/>.</summary>
    public sealed record Answer(HttpStatusCode Status, string? ErrorType, bool AfterForwarding = false) : KinesisFault;

    /// <summary>Fails the request on the way out, as a refused or reset connection does.</summary>
    public sealed record Throw(Func<Exception> Create) : KinesisFault;

    /// <summary>Answers only after <paramref name="Delay"/> of the test clock (an attempt timeout cancels it first); kinesalite writes the records first if <paramref name="AfterForwarding"/>.</summary>
    public sealed record Hang(TimeSpan Delay, bool AfterForwarding = false) : KinesisFault;
}

/// <summary>
/// Sits between the signing handler and the socket: sees every signed PutRecords request, applies
/// the fault its <see cref="Plan"/> names, and keeps what it saw: every record the client sent,
/// every record it failed on purpose, and every record kinesalite wrote (by journal sequence).
/// Before each request it checks the invariant the worker must keep: the uplink's journal cursor
/// never passes a record that is not in the stream (<see cref="Violations"/>).
/// </summary>
public sealed class KinesisFaultHandler(HttpMessageHandler inner, DiskJournal journal, string cursor, TimeProvider time)
    : DelegatingHandler(inner)
{
    private readonly Lock _gate = new();
    private readonly List<PutRecordsCall> _calls = [];
    private readonly List<long> _failed = [];
    private readonly Dictionary<long, int> _written = [];
    private readonly List<string> _violations = [];
    private long _lastActivity = Stopwatch.GetTimestamp();
    private long _smallestUnwritten;
    private int _forwarding;

    /// <summary>Chooses the fault for each PutRecords request; called on the request's thread, one request at a time.</summary>
    public Func<PutRecordsCall, KinesisFault> Plan { get; set; } = _ => KinesisFault.None;

    /// <summary>Requests on their way to or from kinesalite right now: the test clock must not move then (an attempt timeout would fire).</summary>
    public int Forwarding => Volatile.Read(ref _forwarding);

    /// <summary>Real time since a request last arrived at or left this handler.</summary>
    public TimeSpan QuietFor => Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastActivity));

    public IReadOnlyList<PutRecordsCall> Calls
    {
        get { lock (_gate) return [.. _calls]; }
    }

    /// <summary>Sequences of every record the client sent, in order, repeats included.</summary>
    public IReadOnlyList<long> Sent => [.. Calls.SelectMany(c => c.Sequences)];

    /// <summary>Sequences of the records this handler answered with a per-record error, in order.</summary>
    public IReadOnlyList<long> Failed
    {
        get { lock (_gate) return [.. _failed]; }
    }

    /// <summary>How often kinesalite wrote each sequence.</summary>
    public IReadOnlyDictionary<long, int> Written
    {
        get { lock (_gate) return new Dictionary<long, int>(_written); }
    }

    public IReadOnlyList<string> Violations
    {
        get { lock (_gate) return [.. _violations]; }
    }

    /// <summary>True when kinesalite wrote every sequence below <paramref name="count"/>.</summary>
    public bool AllWritten(long count)
    {
        lock (_gate) return _smallestUnwritten >= count;
    }

    /// <summary>
    /// The cursor's acknowledged position must stay below the smallest sequence kinesalite has not
    /// written. Read the cursor first: the written set only grows, so the check never accuses the
    /// worker of an acknowledgement that raced with a write.
    /// </summary>
    public void CheckCursor(string when)
    {
        if (journal.GetStats().Cursors.FirstOrDefault(c => c.Name == cursor) is not { } stats) return;
        lock (_gate)
        {
            var violation = $"cursor {cursor} acknowledged up to {stats.Acked}, but record {_smallestUnwritten} is not in the stream";
            if (stats.Acked >= _smallestUnwritten && !_violations.Any(v => v.EndsWith(violation, StringComparison.Ordinal)))
                _violations.Add($"{when}: {violation}");
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Touch();
        try
        {
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!request.Headers.TryGetValues("X-Amz-Target", out var targets) || targets.Single() != KinesisClient.PutRecordsTarget)
                return (await ForwardAsync(request, body, [], cancellationToken)).Response;

            var records = ParseRecords(body);
            PutRecordsCall call;
            lock (_gate)
            {
                call = new PutRecordsCall(_calls.Count + 1, time.GetUtcNow(), records, Header(request, "X-Amz-Date"), Header(request, "Authorization"));
                _calls.Add(call);
            }
            CheckCursor($"before PutRecords #{call.Number} ({string.Join(',', call.Sequences)})");

            switch (Plan(call))
            {
                case KinesisFault.RecordErrors errors:
                    return await FailRecordsAsync(request, body, records, errors.Codes, cancellationToken);
                case KinesisFault.Answer answer:
                    if (answer.AfterForwarding) (await ForwardAsync(request, body, records, cancellationToken)).Response.Dispose();
                    return ErrorAnswer(request, answer.Status, answer.ErrorType);
                case KinesisFault.Throw fault:
                    throw fault.Create();
                case KinesisFault.Hang hang:
                    HttpResponseMessage? late = null;
                    if (hang.AfterForwarding) late = (await ForwardAsync(request, body, records, cancellationToken)).Response;
                    try
                    {
                        await Task.Delay(hang.Delay, time, cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        late?.Dispose();
                        throw;
                    }
                    return late ?? (await ForwardAsync(request, body, records, cancellationToken)).Response;
                default:
                    return (await ForwardAsync(request, body, records, cancellationToken)).Response;
            }
        }
        finally
        {
            Touch();
        }
    }

    /// <summary>Sends only the records not named in <paramref name="codes"/> to kinesalite; merges their results with the errors.</summary>
    private async Task<HttpResponseMessage> FailRecordsAsync(HttpRequestMessage request, byte[] body, IReadOnlyList<SentRecord> records,
        IReadOnlyDictionary<int, string> codes, CancellationToken cancellationToken)
    {
        var document = JsonNode.Parse(body)!;
        var entries = document["Records"]!.AsArray();
        var kept = new JsonArray();
        var keptRecords = new List<SentRecord>();
        for (var i = 0; i < entries.Count; i++)
        {
            if (codes.ContainsKey(i)) continue;
            kept.Add(entries[i]!.DeepClone());
            keptRecords.Add(records[i]);
        }
        lock (_gate) _failed.AddRange(records.Where((_, i) => codes.ContainsKey(i)).Select(r => r.Sequence));

        var written = new Queue<JsonNode>();
        if (kept.Count > 0)
        {
            document["Records"] = kept;
            var (response, answer) = await ForwardAsync(request, Encoding.UTF8.GetBytes(document.ToJsonString()), keptRecords, cancellationToken);
            if (!response.IsSuccessStatusCode) return response; // not expected of kinesalite; the test sees it
            response.Dispose();
            foreach (var entry in JsonNode.Parse(answer)!["Records"]!.AsArray()) written.Enqueue(entry!.DeepClone());
        }
        var merged = new JsonArray();
        for (var i = 0; i < records.Count; i++)
            merged.Add(codes.TryGetValue(i, out var code)
                ? new JsonObject { ["ErrorCode"] = code, ["ErrorMessage"] = Message(code) }
                : written.Dequeue());
        var rewritten = new JsonObject { ["FailedRecordCount"] = codes.Count, ["Records"] = merged };
        return Json(request, HttpStatusCode.OK, rewritten.ToJsonString());
    }

    /// <summary>A copy of the request to kinesalite; the sequences it wrote are counted from its answer.</summary>
    private async Task<(HttpResponseMessage Response, byte[] Answer)> ForwardAsync(HttpRequestMessage original, byte[] body,
        IReadOnlyList<SentRecord> records, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(original.Method, original.RequestUri) { Content = new ByteArrayContent(body) };
        foreach (var header in original.Headers) request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        request.Content.Headers.TryAddWithoutValidation("Content-Type", KinesisClient.ContentType);
        Interlocked.Increment(ref _forwarding);
        HttpStatusCode status;
        byte[] answer;
        try
        {
            using var response = await base.SendAsync(request, cancellationToken);
            status = response.StatusCode;
            answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _forwarding);
        }
        if (records.Count > 0 && (int)status == 200) CountWritten(records, answer);
        var copy = new HttpResponseMessage(status) { Content = new ByteArrayContent(answer), RequestMessage = original };
        copy.Content.Headers.TryAddWithoutValidation("Content-Type", KinesisClient.ContentType);
        return (copy, answer);
    }

    private void CountWritten(IReadOnlyList<SentRecord> records, byte[] answer)
    {
        var results = JsonNode.Parse(answer)!["Records"]!.AsArray();
        if (results.Count != records.Count)
            throw new InvalidOperationException($"kinesalite answered {results.Count} results for {records.Count} records");
        lock (_gate)
        {
            for (var i = 0; i < records.Count; i++)
            {
                if (results[i]?["SequenceNumber"] is null) continue;
                _written[records[i].Sequence] = _written.GetValueOrDefault(records[i].Sequence) + 1;
            }
            while (_written.ContainsKey(_smallestUnwritten)) _smallestUnwritten++;
        }
    }

    private static HttpResponseMessage ErrorAnswer(HttpRequestMessage request, HttpStatusCode status, string? errorType) =>
        Json(request, status, errorType is null ? "" : new JsonObject { ["__type"] = errorType, ["message"] = Message(errorType) }.ToJsonString());

    private static HttpResponseMessage Json(HttpRequestMessage request, HttpStatusCode status, string json)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8), RequestMessage = request };
        response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(KinesisClient.ContentType);
        return response;
    }

    private static string Message(string code) => code switch
    {
        "ProvisionedThroughputExceededException" => "Rate exceeded for shard shardId-000000000000 in stream farm under account 111122223333.",
        "InternalFailure" => "Internal service failure.",
        "ThrottlingException" => "Rate exceeded",
        "ExpiredTokenException" => "The security token included in the request is expired",
        _ => "Injected by the test",
    };

    private static string? Header(HttpRequestMessage request, string name) =>
        request.Headers.TryGetValues(name, out var values) ? string.Join(',', values) : null;

    /// <summary>The records of a PutRecords body, each with the journal sequence from its id (gateway:epoch:sequence).</summary>
    private static List<SentRecord> ParseRecords(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var records = new List<SentRecord>();
        foreach (var entry in document.RootElement.GetProperty("Records").EnumerateArray())
        {
            var data = entry.GetProperty("Data").GetBytesFromBase64();
            var id = RecordIds.Of(data);
            records.Add(new SentRecord(RecordIds.Sequence(id), id, entry.GetProperty("PartitionKey").GetString()!, data));
        }
        return records;
    }

    private void Touch() => Interlocked.Exchange(ref _lastActivity, Stopwatch.GetTimestamp());
}

/// <summary>Record ids of schema v1 records: <c>gateway:epoch:sequence</c>.</summary>
public static class RecordIds
{
    public static string Of(ReadOnlySpan<byte> record)
    {
        var reader = new Utf8JsonReader(record);
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.GetProperty("id").GetString()!;
    }

    public static long Sequence(string id) => long.Parse(id[(id.LastIndexOf(':') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture);
}
