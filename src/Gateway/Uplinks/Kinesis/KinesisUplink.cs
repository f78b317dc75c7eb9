using System.Text.RegularExpressions;
using Amazon;
using Amazon.Runtime.CredentialManagement;
using FarmGateway.Journal;
using FarmGateway.Uplinks.Aws;
using Microsoft.Extensions.Logging;

namespace FarmGateway.Uplinks.Kinesis;

/// <summary>
/// PutRecords straight into a Kinesis data stream. Sends each batch once and says per record
/// what Kinesis did not take; whole-request failures come out classified per CLOUD.md's table
/// (see README.md). Owns <c>transport</c> and disposes it. The worker never calls
/// <see cref="SendAsync"/> concurrently, which with per-key partition keys keeps each sensor's
/// records in order on its shard.
/// </summary>
public sealed partial class KinesisUplink : IUplink
{
    /// <summary>The start-up check is a hint, not a gate: a barn network still coming up must not hold the gateway back.</summary>
    public static readonly TimeSpan StartCheckTimeout = TimeSpan.FromSeconds(5);

    private const string KeyName = "Gateway:Uplinks:Kinesis";
    private const string PutRecords = "PutRecords";
    private const string DescribeStreamSummary = "DescribeStreamSummary";

    // Request-level error codes, by what they mean for the batch.
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "ProvisionedThroughputExceededException", "KMSThrottlingException", "LimitExceededException", "ThrottlingException",
    };

    private static readonly HashSet<string> StaleSignatureCodes = new(StringComparer.Ordinal)
    {
        "ExpiredTokenException", "ExpiredToken", "RequestExpired", "RequestTimeTooSkewed",
    };

    private static readonly HashSet<string> RejectedCodes = new(StringComparer.Ordinal)
    {
        "ValidationException", "InvalidArgumentException", "SerializationException",
    };

    private static readonly HashSet<string> KmsCodes = new(StringComparer.Ordinal)
    {
        "KMSAccessDeniedException", "KMSDisabledException", "KMSNotFoundException", "KMSInvalidStateException", "KMSOptInRequired",
    };

    private readonly KinesisUplinkOptions _options;
    private readonly AwsCredentialSource _credentials;
    private readonly ILogger _logger;
    private readonly KinesisPartitionKey _partitionKey;
    private readonly PartitionKeyWriter _writeKey;
    private readonly HttpMessageHandler _transport;
    private readonly KinesisClient? _client;
    private readonly string _stream;
    private readonly string _region;
    private readonly string? _problem;

    public KinesisUplink(KinesisUplinkOptions options, string gatewayId, HttpMessageHandler transport, AwsCredentialSource credentials,
        TimeProvider time, ILogger<KinesisUplink> logger)
        : this(options, gatewayId, transport, credentials, time, logger, () => DefaultRegion(options.Profile))
    {
    }

    /// <param name="defaultRegion">The region when <see cref="KinesisUplinkOptions.Region"/> is not set.</param>
    internal KinesisUplink(KinesisUplinkOptions options, string gatewayId, HttpMessageHandler transport, AwsCredentialSource credentials,
        TimeProvider time, ILogger<KinesisUplink> logger, Func<string?> defaultRegion)
    {
        _options = options;
        _credentials = credentials;
        _logger = logger;
        _transport = transport;
        _partitionKey = new KinesisPartitionKey(options.PartitionKey, gatewayId);
        _writeKey = _partitionKey.Write;
        Limits = new UplinkLimits(Math.Min(options.MaxBatchRecords, KinesisUplinkOptions.MaxRecordsPerRequest),
            options.MaxBatchBytes, options.MaxRecordBytes, options.BatchInterval);

        _stream = options.StreamName?.Trim() ?? "";
        _region = (string.IsNullOrWhiteSpace(options.Region) ? defaultRegion() : options.Region)?.Trim() ?? "";
        _problem = FindProblem(out var endpoint);
        if (_problem is null)
            _client = new KinesisClient(endpoint!, RegionEndpoint.GetBySystemName(_region), transport, credentials, options.RequestTimeout, time);
    }

    public string Name => "kinesis";

    public UplinkLimits Limits { get; }

    /// <summary>Where records go, for messages: "in ap-northeast-2", or the ServiceUrl's host when set.</summary>
    private string Where => _options.ServiceUrl is null || _client is null ? $"in {_region}" : $"at {_client.Endpoint.Authority} (region {_region})";

    /// <summary>What PutRecords counts against its limits: the data plus the partition key.</summary>
    public long WireBytes(JournalRecord record) => record.Payload.Length + _partitionKey.ByteCount(record);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_client is not { } client)
        {
            KinesisLog.Misconfigured(_logger, _problem!);
            return;
        }
        try
        {
            var summary = await WithFreshCredentialsAsync(
                ct => client.DescribeStreamSummaryAsync(_stream, StartCheckTimeout, ct), cancellationToken);
            KinesisLog.StreamReady(_logger, summary.StreamName, _region, summary.Status,
                summary.OpenShardCount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?", client.Endpoint.ToString());
            if (summary.Status is not ("ACTIVE" or "UPDATING")) KinesisLog.StreamNotActive(_logger, _stream, summary.Status);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping before the check finished: nothing to report.
        }
        catch (Exception e)
        {
            var failure = e switch
            {
                KinesisResponseException response => Classify(response, DescribeStreamSummary),
                UplinkException uplink => uplink,
                _ => new UplinkException(UplinkFailure.Transient, e.Message, e),
            };
            // The check names only the stream: a request it calls invalid is a configuration problem too.
            if (failure.Failure is UplinkFailure.Misconfigured or UplinkFailure.Rejected) KinesisLog.Misconfigured(_logger, failure.Message);
            else KinesisLog.Unreachable(_logger, _stream, failure.Message);
        }
    }

    public async Task<SendResult> SendAsync(IReadOnlyList<JournalRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return SendResult.AllDelivered;
        var client = _client ?? throw new UplinkException(UplinkFailure.Misconfigured, _problem!);
        PutRecordsResult result;
        try
        {
            result = await WithFreshCredentialsAsync(ct => client.PutRecordsAsync(_stream, batch, _writeKey, ct), cancellationToken);
        }
        catch (KinesisResponseException e)
        {
            throw Classify(e, PutRecords);
        }
        return Outcome(result);
    }

    public Task TickAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        if (_client is not null) _client.Dispose();
        else _transport.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Runs <paramref name="call"/>; when Kinesis says the token expired or the signature is
    /// stale, resolves credentials afresh and runs it once more at once (a new request, signed
    /// anew). A second such answer is Transient: the worker's backoff takes over.
    /// </summary>
    private async Task<T> WithFreshCredentialsAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(cancellationToken);
        }
        catch (KinesisResponseException e) when (IsStaleSignature(e))
        {
            KinesisLog.Resigning(_logger, e.ErrorCode!);
            _credentials.Invalidate();
        }
        try
        {
            return await call(cancellationToken);
        }
        catch (KinesisResponseException e) when (IsStaleSignature(e))
        {
            throw new UplinkException(UplinkFailure.Transient,
                $"Kinesis answered {e.ErrorCode}: {e.ErrorMessage}, again after the credentials were resolved afresh and the request re-signed; "
                + "check the gateway's clock (timedatectl: System clock synchronized) and its AWS credentials", e);
        }
    }

    private static bool IsStaleSignature(KinesisResponseException e) =>
        e.ErrorCode is { } code && (StaleSignatureCodes.Contains(code)
            || (code == "InvalidSignatureException"
                && (e.ErrorMessage.Contains("Signature expired", StringComparison.OrdinalIgnoreCase)
                    || e.ErrorMessage.Contains("not yet current", StringComparison.OrdinalIgnoreCase))));

    /// <summary>Per-record outcomes: only the records Kinesis named are not delivered, whatever FailedRecordCount says.</summary>
    private SendResult Outcome(PutRecordsResult result)
    {
        if (result.FailedRecordCount is { } reported && reported != result.Failures.Count)
            KinesisLog.FailedCountMismatch(_logger, reported, result.Failures.Count);
        if (result.Failures.Count == 0) return SendResult.AllDelivered;

        var failures = new RecordFailure[result.Failures.Count];
        int throttled = 0, retry = 0, rejected = 0;
        RecordFailure? firstRejected = null;
        for (var i = 0; i < failures.Length; i++)
        {
            var failure = result.Failures[i];
            var kind = failure.ErrorCode switch
            {
                "ProvisionedThroughputExceededException" => RecordFailureKind.Throttled,
                "InternalFailure" => RecordFailureKind.Retry,
                _ => RecordFailureKind.Rejected,
            };
            var reason = failure.ErrorMessage.Length == 0 ? failure.ErrorCode : $"{failure.ErrorCode}: {failure.ErrorMessage}";
            failures[i] = new RecordFailure(failure.Index, kind, reason);
            switch (kind)
            {
                case RecordFailureKind.Throttled: throttled++; break;
                case RecordFailureKind.Retry: retry++; break;
                default:
                    rejected++;
                    firstRejected ??= failures[i];
                    break;
            }
        }
        if (firstRejected is { } first) KinesisLog.RecordsRejected(_logger, rejected, result.RecordCount, first.Index, first.Reason);
        if (throttled + retry > 0) KinesisLog.PartlyTaken(_logger, result.RecordCount - failures.Length, result.RecordCount, throttled, retry);
        return new SendResult(failures);
    }

    /// <summary>A whole-request failure as the worker needs it (CLOUD.md's error table), with a message a technician can act on.</summary>
    private UplinkException Classify(KinesisResponseException e, string operation)
    {
        var status = (int)e.Status;
        var said = e.ErrorCode is null
            ? $"HTTP {status}{(e.ErrorMessage.Length == 0 ? "" : ": " + e.ErrorMessage)}"
            : $"{e.ErrorCode}{(e.ErrorMessage.Length == 0 ? "" : ": " + e.ErrorMessage)}";
        var code = e.ErrorCode ?? "";
        var prefix = $"Kinesis {operation}";

        if (ThrottlingCodes.Contains(code) || status == 429)
            return new(UplinkFailure.Throttled, $"{prefix} throttled ({said})", e, e.RetryAfter);
        if (IsStaleSignature(e))
            return new(UplinkFailure.Transient, $"{prefix}: {said}; credentials are resolved afresh on the next attempt", e);
        if (RejectedCodes.Contains(code))
            return new(UplinkFailure.Rejected, $"{prefix} refused the request ({said})", e);
        if (status == 413)
            return new(UplinkFailure.TooLarge, $"{prefix}: the request is too large ({said})", e);

        var misconfigured = code switch
        {
            "ResourceNotFoundException" =>
                $"stream {_stream} not found {Where}: create it or fix {KeyName}:StreamName / {KeyName}:Region ({said})",
            "AccessDeniedException" =>
                $"{operation} on stream {_stream} {Where} was denied: allow kinesis:PutRecords and kinesis:DescribeStreamSummary on it to the gateway's AWS identity ({said})",
            "UnrecognizedClientException" or "InvalidClientTokenId" =>
                $"AWS does not know the gateway's access key {Where}: check its credentials ({Credentials}) ({said})",
            "InvalidSignatureException" or "SignatureDoesNotMatch" =>
                $"AWS refused the request signature {Where}: the secret key does not match the access key; check the gateway's credentials ({Credentials}) ({said})",
            "MissingAuthenticationTokenException" or "MissingAuthenticationToken" or "IncompleteSignatureException" =>
                $"the far side {Where} wants a signature it did not get; is {KeyName}:ServiceUrl a Kinesis endpoint? ({said})",
            _ when KmsCodes.Contains(code) =>
                $"stream {_stream} {Where} is encrypted with a KMS key the gateway cannot use: enable the key and allow kms:GenerateDataKey on it to the gateway's AWS identity ({said})",
            _ => null,
        };
        if (misconfigured is not null) return new(UplinkFailure.Misconfigured, $"{prefix}: {misconfigured}", e);

        if (status is >= 500 or 408 or (>= 200 and < 300) || code is "InternalFailure" or "ServiceUnavailable")
            return new(UplinkFailure.Transient, $"{prefix} failed ({said})", e, e.RetryAfter);
        // Any other answer (an unknown 4xx, a redirect) comes from something that is not the
        // stream as configured: resending later is right, splitting and quarantining would not be.
        return new(UplinkFailure.Misconfigured,
            $"{prefix}: unexpected answer {Where} ({said}); check {KeyName}:ServiceUrl and {KeyName}:Region", e);
    }

    private string Credentials => _options.Profile is { } profile
        ? $"profile {profile} in the service user's ~/.aws files"
        : "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of the service, ~/.aws files or the instance role";

    private string? FindProblem(out Uri? endpoint)
    {
        endpoint = null;
        if (_stream.Length == 0)
            return $"no stream is set: set {KeyName}:StreamName to the name of the Kinesis data stream";
        if (!StreamNamePattern().IsMatch(_stream))
            return $"{KeyName}:StreamName \"{_stream}\" is not a stream name (1-128 of A-Z a-z 0-9 _ . -)";
        if (_region.Length == 0)
            return $"no AWS region is set: set {KeyName}:Region (e.g. ap-northeast-2) or AWS_REGION in the service environment";
        if (!RegionPattern().IsMatch(_region))
            return $"{KeyName}:Region \"{_region}\" is not an AWS region name such as ap-northeast-2";
        if (_options.ServiceUrl is { } serviceUrl)
        {
            if (!Uri.TryCreate(serviceUrl, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https"))
                return $"{KeyName}:ServiceUrl \"{serviceUrl}\" is not an absolute http(s) URL, e.g. https://vpce-0123-abcd.kinesis.ap-northeast-2.vpce.amazonaws.com";
        }
        else
        {
            endpoint = KinesisClient.DefaultEndpoint(RegionEndpoint.GetBySystemName(_region));
        }
        return null;
    }

    /// <summary>AWS_REGION, AWS_DEFAULT_REGION, then the region of the profile (the configured one, AWS_PROFILE or default).</summary>
    internal static string? DefaultRegion(string? profile)
    {
        foreach (var variable in (string[])["AWS_REGION", "AWS_DEFAULT_REGION"])
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } region) return region;
        try
        {
            var name = profile ?? Environment.GetEnvironmentVariable("AWS_PROFILE") ?? "default";
            return new CredentialProfileStoreChain().TryGetProfile(name, out var found) ? found.Region?.SystemName : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Amazon.Runtime.AmazonClientException)
        {
            return null;
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9_.-]{1,128}$")]
    private static partial Regex StreamNamePattern();

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();
}
