using System.Diagnostics;

namespace FarmGateway.KinesisBench;

/// <summary>
/// The transport under the signing handler, in both phases: a SocketsHttpHandler set up as the
/// gateway's CloudTransport (src/Gateway/Hosting/ServiceCollectionExtensions.cs), with a clock
/// around each request. "In transport" is from the signed request leaving the client to the whole
/// answer being in memory (the body is buffered here, which HttpClient does next anyway): the
/// time kinesalite and the loopback take. Everything between one answer and the next request is
/// client time. Records per request are counted in the answer (one SequenceNumber each). Only
/// PutRecords requests are listed; the uplink's start-up DescribeStreamSummary counts as client time.
/// With --profile the same clock runs over <see cref="InstantKinesis"/> instead of the sockets.
/// </summary>
internal sealed class TimedTransport(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public static TimedTransport OverSockets() => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        AllowAutoRedirect = false,
        UseCookies = false,
    });

    private readonly Lock _gate = new();
    private readonly List<RequestTiming> _requests = new(1024);
    private readonly TaskCompletionSource _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _recordsAnswered;
    private long _answeredTarget = long.MaxValue;

    /// <summary>Records the far side said it wrote, so far.</summary>
    public long RecordsAnswered => Interlocked.Read(ref _recordsAnswered);

    /// <summary>Called after each PutRecords answer (on the sender's thread, so it must be cheap).</summary>
    public Action? OnAnswer { get; set; }

    /// <summary>
    /// Completes once the far side has answered for <paramref name="records"/> records in all:
    /// the end of a drain is seen without polling (a poll loop's wake-ups would be charged to the
    /// gateway's CPU).
    /// </summary>
    public Task WhenAnswered(long records)
    {
        Interlocked.Exchange(ref _answeredTarget, records);
        if (RecordsAnswered >= records) _answered.TrySetResult();
        return _answered.Task;
    }

    public IReadOnlyList<RequestTiming> Requests
    {
        get { lock (_gate) return [.. _requests]; }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var bytes = request.Content?.Headers.ContentLength ?? 0;
        var putRecords = request.Headers.TryGetValues("X-Amz-Target", out var targets)
            && targets.Contains(Uplinks.Kinesis.KinesisClient.PutRecordsTarget);
        var start = Stopwatch.GetTimestamp();
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var end = Stopwatch.GetTimestamp();
        if (!putRecords) return response;
        var records = 0;
        if (response.IsSuccessStatusCode)
        {
            var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            records = Occurrences(answer, "\"SequenceNumber\""u8);
        }
        lock (_gate) _requests.Add(new RequestTiming(start, end, records, bytes, (int)response.StatusCode));
        OnAnswer?.Invoke();
        if (Interlocked.Add(ref _recordsAnswered, records) >= Interlocked.Read(ref _answeredTarget)) _answered.TrySetResult();
        return response;
    }

    internal static int Occurrences(ReadOnlySpan<byte> text, ReadOnlySpan<byte> word)
    {
        var count = 0;
        for (var at = text.IndexOf(word); at >= 0; at = text.IndexOf(word))
        {
            count++;
            text = text[(at + word.Length)..];
        }
        return count;
    }
}

/// <param name="Start">Stopwatch timestamp: the signed request entered the transport.</param>
/// <param name="End">Stopwatch timestamp: the whole answer was in memory.</param>
/// <param name="Records">Records the answer says were written.</param>
/// <param name="RequestBytes">Content-Length of the request body.</param>
internal readonly record struct RequestTiming(long Start, long End, int Records, long RequestBytes, int Status)
{
    public TimeSpan InTransport => Stopwatch.GetElapsedTime(Start, End);
}
