using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FarmGateway.Tests.Testing;

/// <summary>
/// An API Gateway endpoint as ARCHITECTURE.md's contract describes it, in process: Kestrel on a
/// free loopback port, <c>POST {Url}</c> with <c>{"records":[...]}</c>, optionally gzipped.
/// Records are stored by id, so a resend of the same record is kept once. Auth is checked when
/// asked (<see cref="RequiredApiKey"/>, <see cref="RequiredSigV4"/>), and each request can be
/// scripted (<see cref="Enqueue"/>); a request with no script left is taken (200).
/// </summary>
/// <remarks>
/// Order of checks per request: path (404), auth (403), body shape (415/400),
/// <see cref="MaxBodyBytes"/> (413), then the next scripted answer. Only the script consumes
/// answers, so auth and size failures leave it untouched.
/// </remarks>
public sealed partial class FakeApiGateway : IAsyncDisposable
{
    public const string Path = "/prod/readings";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Answer> _script = new();
    private readonly Lock _gate = new();
    private readonly List<ReceivedRequest> _requests = [];
    private readonly Dictionary<string, string> _records = new(StringComparer.Ordinal);
    private readonly List<string> _receivedIds = [];
    private readonly List<string> _conflicts = [];

    private FakeApiGateway(WebApplication app) => _app = app;

    /// <summary>Starts Kestrel on 127.0.0.1 port 0 and reads the port it bound.</summary>
    public static async Task<FakeApiGateway> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        // Nothing from the test folder's appsettings.json or the environment (ASPNETCORE_URLS ...).
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        var app = builder.Build();
        var fake = new FakeApiGateway(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        fake.BaseAddress = new Uri(address);
        return fake;
    }

    /// <summary>http://127.0.0.1:{port}, as bound.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The endpoint to configure as the uplink's Url.</summary>
    public Uri Url => new(BaseAddress, Path);

    /// <summary>When set, a request without exactly this <c>x-api-key</c> gets 403 {"message":"Forbidden"}.</summary>
    public string? RequiredApiKey { get; set; }

    /// <summary>When set, a request without a valid SigV4 signature (service execute-api) gets 403.</summary>
    public SigV4Check? RequiredSigV4 { get; set; }

    /// <summary>When set, a request whose decoded body is over this many bytes gets 413.</summary>
    public long? MaxBodyBytes { get; set; }

    /// <summary>Answers for the next requests, in order, one per request that passes the checks.</summary>
    public void Enqueue(Answer answer, int times = 1)
    {
        for (var i = 0; i < times; i++) _script.Enqueue(answer);
    }

    /// <summary>Every request that reached the endpoint, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Requests
    {
        get { lock (_gate) return [.. _requests]; }
    }

    public int RequestCount
    {
        get { lock (_gate) return _requests.Count; }
    }

    /// <summary>Stored records by id (the raw JSON text of each), each id once however often it came.</summary>
    public IReadOnlyDictionary<string, string> Records
    {
        get { lock (_gate) return new Dictionary<string, string>(_records, StringComparer.Ordinal); }
    }

    /// <summary>Ids of every stored record in arrival order, repeats included.</summary>
    public IReadOnlyList<string> ReceivedIds
    {
        get { lock (_gate) return [.. _receivedIds]; }
    }

    /// <summary>Ids that arrived again with different bytes (a contract violation: a repeat must be identical).</summary>
    public IReadOnlyList<string> Conflicts
    {
        get { lock (_gate) return [.. _conflicts]; }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        byte[] raw;
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, context.RequestAborted);
            raw = buffer.ToArray();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
        {
            return;
        }

        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var gzip = string.Equals(request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase);
        var body = raw;
        string? bodyProblem = null;
        if (gzip)
        {
            try
            {
                body = Gunzip(raw);
            }
            catch (InvalidDataException e)
            {
                bodyProblem = $"Content-Encoding gzip but the body is not gzip: {e.Message}";
            }
        }

        var (status, message, answer) = Check(context, raw, body, bodyProblem);
        lock (_gate) _requests.Add(new ReceivedRequest(request.Method, request.Path, headers, raw, body, answer?.Kind == AnswerKind.Abort ? 0 : status));
        if (answer is null)
        {
            await Respond(context, status, JsonSerializer.Serialize(new { message }), null);
            return;
        }

        switch (answer.Kind)
        {
            case AnswerKind.Abort:
                context.Abort();
                return;
            case AnswerKind.Slow:
                using (var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _app.Lifetime.ApplicationStopping))
                {
                    try
                    {
                        await Task.Delay(answer.Delay, stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return; // the client gave up (its timeout) or the fake stops: nothing is taken
                    }
                }
                Store(body);
                break;
            case AnswerKind.StoreThenAnswer:
                Store(body);
                break;
        }
        await Respond(context, answer.Status, answer.Body, answer.RetryAfter);
    }

    private (int Status, string Message, Answer? Answer) Check(HttpContext context, byte[] raw, byte[] body, string? bodyProblem)
    {
        var request = context.Request;
        if (request.Path != Path) return (404, "Not Found", null);
        if (!HttpMethods.IsPost(request.Method)) return (405, "Method Not Allowed", null);
        if (RequiredApiKey is { } key && request.Headers["x-api-key"] != key) return (403, "Forbidden", null);
        if (RequiredSigV4 is { } sigV4 && CheckSignature(request, raw, sigV4) is { } signatureProblem) return (403, signatureProblem, null);
        if (!string.Equals(request.ContentType, "application/json", StringComparison.OrdinalIgnoreCase))
            return (415, $"Unsupported Media Type '{request.ContentType}'", null);
        if ((bodyProblem ?? ShapeProblem(body)) is { } problem) return (400, problem, null);
        if (MaxBodyBytes is { } max && body.Length > max) return (413, "Request Too Long", null);
        return _script.TryDequeue(out var answer) ? (answer.Status, "", answer) : (200, "", Answer.Ok());
    }

    private static string? ShapeProblem(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("records", out var records)
                || records.ValueKind != JsonValueKind.Array)
                return "body must be {\"records\":[...]}";
            foreach (var record in records.EnumerateArray())
                if (record.ValueKind != JsonValueKind.Object || !record.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
                    return "every record needs a string id";
            return null;
        }
        catch (JsonException e)
        {
            return $"body is not valid JSON: {e.Message}";
        }
    }

    private void Store(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        lock (_gate)
        {
            foreach (var record in document.RootElement.GetProperty("records").EnumerateArray())
            {
                var id = record.GetProperty("id").GetString()!;
                var text = record.GetRawText();
                _receivedIds.Add(id);
                if (!_records.TryAdd(id, text) && _records[id] != text) _conflicts.Add(id);
            }
        }
    }

    private static async Task Respond(HttpContext context, int status, string body, TimeSpan? retryAfter)
    {
        context.Response.StatusCode = status;
        if (retryAfter is { } wait)
            context.Response.Headers.RetryAfter = ((long)wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    private static byte[] Gunzip(byte[] raw)
    {
        using var input = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>
    /// Checks the Authorization header's shape (<c>AWS4-HMAC-SHA256 Credential=key/date/region/execute-api/aws4_request,
    /// SignedHeaders=..., Signature=...</c>) and X-Amz-Date, then recomputes the signature over the
    /// request as received (the gzipped bytes and the headers that arrived) with the key's secret.
    /// </summary>
    private static string? CheckSignature(HttpRequest request, byte[] raw, SigV4Check expected)
    {
        var amzDate = request.Headers["X-Amz-Date"].ToString();
        if (!AmzDatePattern().IsMatch(amzDate)) return $"X-Amz-Date '{amzDate}' is missing or not yyyyMMddTHHmmssZ";
        var authorization = AuthorizationPattern().Match(request.Headers.Authorization.ToString());
        if (!authorization.Success) return "Authorization is not AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...";
        var accessKey = authorization.Groups["key"].Value;
        if (authorization.Groups["date"].Value != amzDate[..8]) return "credential date is not the X-Amz-Date's";
        if (authorization.Groups["region"].Value != expected.Region) return $"signed for region {authorization.Groups["region"].Value}, not {expected.Region}";
        if (authorization.Groups["service"].Value != "execute-api") return $"signed for service {authorization.Groups["service"].Value}, not execute-api";
        if (!expected.SecretKeys.TryGetValue(accessKey, out var secret)) return $"unknown access key {accessKey}";
        var signedHeaders = authorization.Groups["headers"].Value.Split(';');
        foreach (var required in (string[])["host", "x-amz-date", "content-type"])
            if (!signedHeaders.Contains(required)) return $"{required} is not signed";
        if (request.Headers.ContentEncoding.Count > 0 && !signedHeaders.Contains("content-encoding")) return "content-encoding is not signed";

        // The canonical request carries the body's hash: it must be the hash of the bytes that arrived.
        var bodyHash = Convert.ToHexStringLower(SHA256.HashData(raw));
        if (request.Headers["x-amz-content-sha256"].ToString() is { Length: > 0 } declared && declared != bodyHash)
            return "x-amz-content-sha256 is not the hash of the body received";

        var toSign = new AWSSigningRequest
        {
            HttpMethod = new HttpMethod(request.Method),
            RequestUri = new Uri($"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}"),
            Content = raw,
        };
        foreach (var name in signedHeaders.Where(n => n is not "host" and not "x-amz-date"))
            toSign.Headers[name] = request.Headers[name].ToString();
        var parameters = new AWSSigV4Parameters
        {
            Credentials = request.Headers["x-amz-security-token"].ToString() is { Length: > 0 } token
                ? new SessionAWSCredentials(accessKey, secret, token)
                : new BasicAWSCredentials(accessKey, secret),
            Region = RegionEndpoint.GetBySystemName(expected.Region),
            Service = "execute-api",
            SignedAt = DateTime.ParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
        };
        var recomputed = AWSSigV4Signer.SignAsync(toSign, parameters, CancellationToken.None).GetAwaiter().GetResult();
        var expectedAuthorization = recomputed.Headers.FirstOrDefault(h => h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase)).Value;
        return expectedAuthorization == request.Headers.Authorization.ToString()
            ? null
            : "The request signature we calculated does not match the signature you provided.";
    }

    [GeneratedRegex(@"^\d{8}T\d{6}Z$")]
    private static partial Regex AmzDatePattern();

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[A-Z0-9]+)/(?<date>\d{8})/(?<region>[a-z0-9-]+)/(?<service>[a-z-]+)/aws4_request, ?SignedHeaders=(?<headers>[a-z0-9;-]+), ?Signature=(?<signature>[0-9a-f]{64})$")]
    private static partial Regex AuthorizationPattern();

    /// <summary>What a request with valid SigV4 looks like: the region, and the secret of each access key allowed.</summary>
    public sealed record SigV4Check(string Region, IReadOnlyDictionary<string, string> SecretKeys);

    /// <summary>One request as it arrived. <see cref="Status"/> is what it was answered (0: aborted; 200 for a slow answer the client may have given up on).</summary>
    public sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] RawBody, byte[] Body, int Status)
    {
        public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

        public string BodyText => Encoding.UTF8.GetString(Body);
    }

    public enum AnswerKind
    {
        /// <summary>Answer without taking the records.</summary>
        Answer,

        /// <summary>Take the records, then answer (any status: a 504 after storing is a timeout whose work was done).</summary>
        StoreThenAnswer,

        /// <summary>Wait <see cref="Answer.Delay"/> (or until the client gives up), then take the records and answer 200.</summary>
        Slow,

        /// <summary>Drop the connection without an answer (HttpContext.Abort).</summary>
        Abort,
    }

    /// <summary>A scripted answer to one request.</summary>
    public sealed record Answer(AnswerKind Kind, int Status = 200, string Body = "{}", TimeSpan? RetryAfter = null, TimeSpan Delay = default)
    {
        /// <summary>Takes the records and answers <paramref name="status"/> (2xx) with <paramref name="body"/>.</summary>
        public static Answer Ok(int status = 200, string body = "{\"message\":\"ok\"}") => new(AnswerKind.StoreThenAnswer, status, body);

        /// <summary>Answers <paramref name="status"/> without taking the records.</summary>
        public static Answer Error(int status, string body = "{\"message\":\"error\"}", TimeSpan? retryAfter = null) =>
            new(AnswerKind.Answer, status, body, retryAfter);

        /// <summary>429 Too Many Requests, with Retry-After in whole seconds when given.</summary>
        public static Answer Throttled(TimeSpan? retryAfter = null) =>
            new(AnswerKind.Answer, 429, "{\"message\":\"Too Many Requests\"}", retryAfter);

        /// <summary>Takes the records, then answers <paramref name="status"/> (e.g. 504: the integration timed out after the work was done).</summary>
        public static Answer StoreThen(int status) => new(AnswerKind.StoreThenAnswer, status, "{\"message\":\"Endpoint request timed out\"}");

        /// <summary>Answers 200 after <paramref name="delay"/> unless the client gave up first (then nothing is taken).</summary>
        public static Answer Slow(TimeSpan delay) => new(AnswerKind.Slow, Delay: delay);

        /// <summary>Never answers: holds the request until the client gives up or the fake stops.</summary>
        public static Answer Hang() => Slow(Timeout.InfiniteTimeSpan);

        public static Answer Abort() => new(AnswerKind.Abort, 0);
    }
}
