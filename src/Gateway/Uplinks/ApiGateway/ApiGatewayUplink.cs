using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using Amazon;
using FarmGateway.Journal;
using FarmGateway.Uplinks.Aws;
using FarmGateway.Uplinks.Http;
using Microsoft.Extensions.Logging;
using Polly;

namespace FarmGateway.Uplinks.ApiGateway;

/// <summary>
/// POSTs each batch as <c>{"records":[...]}</c> to an API Gateway endpoint (ARCHITECTURE.md's
/// contract). The records are the journal's schema v1 bytes spliced in unchanged. A 2xx means
/// the whole batch was taken; anything else throws an <see cref="UplinkException"/> classified
/// for the worker (see README.md for the table). Owns <c>transport</c> and disposes it.
/// One batch at a time: the worker never calls <see cref="SendAsync"/> concurrently.
/// </summary>
public sealed class ApiGatewayUplink : IUplink
{
    /// <summary>Bytes reserved for <c>{"records":[</c> and <c>]}</c>; WireBytes already counts the commas.</summary>
    public const int EnvelopeBytes = 16;

    public const string SigningService = "execute-api";
    private const string KeyName = "Gateway:Uplinks:ApiGateway";
    private const int SnippetChars = 200;

    private readonly ApiGatewayUplinkOptions _options;
    private readonly AwsCredentialSource? _credentials;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpMessageHandler _handler;
    private readonly HttpClient _client;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly Uri? _url;
    private readonly string _endpoint;
    private readonly string? _region;
    private readonly string? _problem;

    public ApiGatewayUplink(
        ApiGatewayUplinkOptions options,
        HttpMessageHandler transport,
        AwsCredentialSource? credentials,
        TimeProvider time,
        ILogger<ApiGatewayUplink> logger)
    {
        _options = options;
        _credentials = credentials;
        _time = time;
        _logger = logger;

        // The envelope comes out of the byte budget, so the body before gzip stays under MaxBatchBytes.
        var wireBudget = options.MaxBatchBytes - EnvelopeBytes;
        Limits = new UplinkLimits(options.MaxBatchRecords, wireBudget, wireBudget, options.BatchInterval).Validate();

        _url = ParseUrl(options.Url);
        _endpoint = _url is null ? $"'{options.Url}'" : Display(_url);
        _region = ResolveRegion(options.Region, _url, Environment.GetEnvironmentVariable);
        _problem = FindProblem();

        _handler = options.Auth == ApiGatewayAuth.Iam && credentials is not null && _region is not null
            ? new AwsSigningHandler(credentials, RegionEndpoint.GetBySystemName(_region), SigningService) { InnerHandler = transport }
            : transport;
        // Polly times each attempt; HttpClient's own 100 s timeout would only get in the way.
        _client = new HttpClient(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        _pipeline = UplinkHttp.CreatePipeline(options.RequestTimeout, quickRetries: 2, time);
    }

    public string Name => "apigateway";

    public UplinkLimits Limits { get; }

    // The comma before it; counted before gzip, since the 6 MB Lambda limit applies to the decoded body.
    public long WireBytes(JournalRecord record) => record.Payload.Length + 1;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        ApiGatewayLog.Started(_logger, _endpoint, _options.Auth, _options.Gzip);
        if (_options.Auth == ApiGatewayAuth.ApiKey && string.IsNullOrWhiteSpace(_options.ApiKey))
            ApiGatewayLog.ApiKeyMissing(_logger);
        else if (_problem is not null)
            ApiGatewayLog.Misconfigured(_logger, _problem);
        return Task.CompletedTask;
    }

    public async Task<SendResult> SendAsync(IReadOnlyList<JournalRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return SendResult.AllDelivered;
        try
        {
            if (_problem is not null) throw new UplinkException(UplinkFailure.Misconfigured, _problem);
            var json = BuildBody(batch);
            var body = _options.Gzip ? Compress(json) : new ArraySegment<byte>(json);
            using var response = await UplinkHttp.SendAsync(
                _pipeline, _client, () => CreateRequest(body), $"POST {_endpoint}", cancellationToken);
            if (response.IsSuccessStatusCode) return SendResult.AllDelivered;
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            throw Classify(response, text, batch.Count, json.Length, body.Count);
        }
        catch (UplinkException e)
        {
            ApiGatewayLog.SendFailed(_logger, batch.Count, e.Failure, e.Message);
            throw;
        }
    }

    public Task TickAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _handler.Dispose();
        return ValueTask.CompletedTask;
    }

    // A new message per attempt over the same bytes: a signing handler signs each one afresh.
    private HttpRequestMessage CreateRequest(ArraySegment<byte> body)
    {
        var content = new ByteArrayContent(body.Array!, body.Offset, body.Count);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (_options.Gzip) content.Headers.ContentEncoding.Add("gzip");
        var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = content };
        if (_options.Auth == ApiGatewayAuth.ApiKey) request.Headers.TryAddWithoutValidation("x-api-key", _options.ApiKey);
        return request;
    }

    private UplinkException Classify(HttpResponseMessage response, string body, int records, int jsonBytes, int sentBytes)
    {
        var code = (int)response.StatusCode;
        var status = $"{code} {response.ReasonPhrase ?? response.StatusCode.ToString()} from {_endpoint}";
        var said = Snippet(Redact(body));
        var saidSuffix = said.Length == 0 ? "" : $" (the far side said: {said})";
        var retryAfter = UplinkHttp.RetryAfter(response, _time);
        switch (code)
        {
            case 429:
                var wait = retryAfter is { } r ? $", Retry-After {r.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s" : "";
                return new(UplinkFailure.Throttled, $"{status}: throttled{wait}{saidSuffix}", retryAfter: retryAfter);
            case 408 or >= 500:
                return new(UplinkFailure.Transient, $"{status}{saidSuffix}", retryAfter: retryAfter);
            case 413:
                var size = _options.Gzip ? $"{jsonBytes} bytes, {sentBytes} gzipped" : $"{jsonBytes} bytes";
                return new(UplinkFailure.TooLarge, $"{status}: {records} record(s), {size}, is too large{saidSuffix}");
            case 401 or 403:
                return AccessDenied(status, body, saidSuffix);
            case 404:
                return new(UplinkFailure.Misconfigured,
                    $"{status}: check {KeyName}:Url (API id, stage and resource path){saidSuffix}");
            // These two are about the endpoint, never one record: splitting would quarantine every record.
            case 405:
                return new(UplinkFailure.Misconfigured,
                    $"{status}: this resource does not take POST; check {KeyName}:Url{saidSuffix}");
            case 415:
                return new(UplinkFailure.Misconfigured,
                    $"{status}: the API does not take this body; set {KeyName}:Gzip false if it cannot decode gzip{saidSuffix}");
            case >= 400:
                return new(UplinkFailure.Rejected, $"{status}{saidSuffix}");
            case >= 300:
                var location = response.Headers.Location is { } l ? $" to {(l.IsAbsoluteUri ? Display(l) : l.OriginalString)}" : "";
                return new(UplinkFailure.Misconfigured,
                    $"{status}: redirected{location}; set {KeyName}:Url to the final https address (a redirected POST loses its body)");
            default:
                return new(UplinkFailure.Transient, $"{status}: unexpected status{saidSuffix}");
        }
    }

    private UplinkException AccessDenied(string status, string body, string saidSuffix)
    {
        if (_options.Auth == ApiGatewayAuth.Iam)
        {
            // The Pi has no RTC: a clock off by more than 5 minutes passes once NTP syncs.
            if (body.Contains("Signature expired", StringComparison.OrdinalIgnoreCase)
                || body.Contains("Signature not yet current", StringComparison.OrdinalIgnoreCase))
                return new(UplinkFailure.Transient,
                    $"{status}: this gateway's clock differs from AWS by more than 5 minutes; check NTP (timedatectl){saidSuffix}");
            if (body.Contains("security token included in the request is expired", StringComparison.OrdinalIgnoreCase)
                || body.Contains("ExpiredToken", StringComparison.OrdinalIgnoreCase))
            {
                _credentials?.Invalidate();
                return new(UplinkFailure.Transient, $"{status}: the AWS session token expired; credentials are resolved again{saidSuffix}");
            }
            return new(UplinkFailure.Misconfigured,
                $"{status}: check that the IAM policy of the gateway's AWS credentials allows execute-api:Invoke on this API, "
                + $"that {KeyName}:Region ({_region}) is the API's region, and {KeyName}:Url{saidSuffix}");
        }
        if (_options.Auth == ApiGatewayAuth.ApiKey)
            return new(UplinkFailure.Misconfigured,
                $"{status}: check {KeyName}:ApiKey (a key in a usage plan of this API stage) and {KeyName}:Url{saidSuffix}");
        return new(UplinkFailure.Misconfigured,
            $"{status}: the API wants a key or IAM auth (set {KeyName}:Auth), or {KeyName}:Url is wrong "
            + $"(API Gateway answers 403 Missing Authentication Token for an unknown path){saidSuffix}");
    }

    private string? FindProblem()
    {
        if (_url is null)
            return $"{KeyName}:Url = {_endpoint} is not an absolute http(s) URL, e.g. https://abc123.execute-api.ap-northeast-2.amazonaws.com/prod/readings";
        if (_options.Auth == ApiGatewayAuth.ApiKey && string.IsNullOrWhiteSpace(_options.ApiKey))
            return $"no API key is set: set the environment variable Gateway__Uplinks__ApiGateway__ApiKey for the service, or {KeyName}:Auth None";
        if (_options.Auth != ApiGatewayAuth.Iam) return null;
        if (_region is null)
            return $"Auth Iam needs a region: set {KeyName}:Region (e.g. ap-northeast-2) or AWS_REGION; the host {_url.Host} does not name one";
        if (_credentials is null)
            return "Auth Iam but no AWS credential source was registered";
        return null;
    }

    private string Redact(string text) =>
        string.IsNullOrEmpty(_options.ApiKey) ? text : text.Replace(_options.ApiKey, "***", StringComparison.Ordinal);

    /// <summary>The request body: <c>{"records":[</c>, the payloads joined by commas, <c>]}</c>.</summary>
    internal static byte[] BuildBody(IReadOnlyList<JournalRecord> batch)
    {
        ReadOnlySpan<byte> open = "{\"records\":["u8;
        ReadOnlySpan<byte> close = "]}"u8;
        long length = open.Length + close.Length + Math.Max(0, batch.Count - 1);
        foreach (var record in batch) length += record.Payload.Length;

        var body = new byte[length];
        var rest = body.AsSpan();
        open.CopyTo(rest);
        rest = rest[open.Length..];
        for (var i = 0; i < batch.Count; i++)
        {
            if (i > 0)
            {
                rest[0] = (byte)',';
                rest = rest[1..];
            }
            batch[i].Payload.Span.CopyTo(rest);
            rest = rest[batch[i].Payload.Length..];
        }
        close.CopyTo(rest);
        return body;
    }

    internal static ArraySegment<byte> Compress(byte[] json)
    {
        var output = new MemoryStream(json.Length / 4 + 64);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(json);
        return new ArraySegment<byte>(output.GetBuffer(), 0, (int)output.Length);
    }

    /// <summary>Region to sign for: configured, else from an execute-api host, else AWS_REGION / AWS_DEFAULT_REGION.</summary>
    internal static string? ResolveRegion(string? configured, Uri? url, Func<string, string?> environment)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return configured.Trim();
        if (url is not null && ApiGatewayRegion.FromUrl(url.OriginalString) is { } fromHost) return fromHost;
        foreach (var name in (string[])["AWS_REGION", "AWS_DEFAULT_REGION"])
            if (environment(name) is { } value && !string.IsNullOrWhiteSpace(value))
                return value.Trim();
        return null;
    }

    /// <summary>One line of at most 200 characters: whitespace and control characters collapse to one space.</summary>
    internal static string Snippet(string text)
    {
        var line = new StringBuilder(Math.Min(text.Length, SnippetChars + 1));
        foreach (var c in text)
        {
            if (line.Length > SnippetChars) break;
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                if (line.Length > 0 && line[^1] != ' ') line.Append(' ');
            }
            else
            {
                line.Append(c);
            }
        }
        var snippet = line.ToString().TrimEnd();
        return snippet.Length > SnippetChars ? string.Concat(snippet.AsSpan(0, SnippetChars), "...") : snippet;
    }

    private static Uri? ParseUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri
            : null;

    // Host and path only: no user info, no query string.
    private static string Display(Uri url) => $"{url.Scheme}://{url.Authority}{url.AbsolutePath}";
}

