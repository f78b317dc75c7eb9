using System.Net;
using System.Text;
using FarmGateway.Journal;
using FarmGateway.Tests.Testing;
using FarmGateway.Uplinks;
using FarmGateway.Uplinks.Kinesis;
using Microsoft.Extensions.Logging;

namespace FarmGateway.Tests.Uplinks.Kinesis;

public sealed class KinesisUplinkTests : IAsyncDisposable
{
    private const string Stream = "farm-sensor-stream";

    private readonly ScriptedKinesis _far = new();
    private readonly TestCredentials _credentials = new();
    private readonly FakeTimeProvider _time = new();
    private readonly LogCapture<KinesisUplink> _log = new();
    private readonly List<KinesisUplink> _uplinks = [];

    private KinesisUplink Uplink(Action<KinesisUplinkOptions>? change = null, Func<string?>? defaultRegion = null)
    {
        var options = new KinesisUplinkOptions { Enabled = true, StreamName = Stream, Region = "ap-northeast-2" };
        change?.Invoke(options);
        var uplink = new KinesisUplink(options, "barn-1", _far, _credentials, _time, _log, defaultRegion ?? (() => null));
        _uplinks.Add(uplink);
        return uplink;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var uplink in _uplinks) await uplink.DisposeAsync();
    }

    /// <summary>Moves the fake clock (Polly's timeouts and quick-retry delays) until <paramref name="task"/> is done.</summary>
    private async Task<T> Drive<T>(Task<T> task)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!task.IsCompleted)
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("the call did not complete");
            _time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(task, Task.Delay(5));
        }
        return await task;
    }

    private Task<SendResult> Send(KinesisUplink uplink, IReadOnlyList<JournalRecord> batch) =>
        Drive(uplink.SendAsync(batch, CancellationToken.None));

    private async Task<UplinkException> SendFails(KinesisUplink uplink, IReadOnlyList<JournalRecord> batch) =>
        await Assert.ThrowsAsync<UplinkException>(() => Send(uplink, batch));

    // Request shape

    [Fact]
    public async Task SendAsync_PostsPutRecordsToTheRegionEndpoint_SignedForKinesis()
    {
        await Send(Uplink(), KinesisRecords.Batch(3));

        var request = Assert.Single(_far.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(new Uri("https://kinesis.ap-northeast-2.amazonaws.com/"), request.Uri);
        Assert.Equal("Kinesis_20131202.PutRecords", request.Header("X-Amz-Target"));
        Assert.Equal("application/x-amz-json-1.1", request.Header("Content-Type"));
        Assert.StartsWith($"AWS4-HMAC-SHA256 Credential={TestCredentials.AccessKey}/", request.Header("Authorization"));
        Assert.Contains("/ap-northeast-2/kinesis/aws4_request", request.Header("Authorization"));
        Assert.Equal(_credentials.Token, request.Header("X-Amz-Security-Token"));
    }

    [Fact]
    public async Task SendAsync_Body_NamesTheStream_AndCarriesEachPayloadUnchangedAsBase64Data()
    {
        var batch = KinesisRecords.Batch(5);

        await Send(Uplink(), batch);

        var request = Assert.Single(_far.Requests);
        Assert.Equal(Stream, (string)request.Json["StreamName"]!);
        Assert.Equal(batch.Select(r => r.Payload.ToArray()), request.Records.Select(r => r.Data));
    }

    [Fact]
    public async Task SendAsync_ServiceUrl_ReplacesTheRegionEndpoint()
    {
        await Send(Uplink(o => o.ServiceUrl = "http://127.0.0.1:4567"), KinesisRecords.Batch(1));

        Assert.Equal(new Uri("http://127.0.0.1:4567/"), Assert.Single(_far.Requests).Uri);
    }

    [Fact]
    public void DefaultEndpoint_ChinaRegion_UsesTheChinaDnsSuffix()
    {
        Assert.Equal(new Uri("https://kinesis.cn-north-1.amazonaws.com.cn/"),
            KinesisClient.DefaultEndpoint(Amazon.RegionEndpoint.GetBySystemName("cn-north-1")));
    }

    [Fact]
    public async Task SendAsync_EmptyBatch_SendsNothing()
    {
        Assert.True((await Send(Uplink(), [])).Complete);
        Assert.Empty(_far.Requests);
    }

    [Theory]
    [InlineData(PartitionKeySource.Sensor, "barn1-scd30")]
    [InlineData(PartitionKeySource.Gateway, "barn-1")]
    [InlineData(PartitionKeySource.Random, "1f3a9c0d:000000000042")]
    public async Task SendAsync_PartitionKey_FollowsTheConfiguredSource(PartitionKeySource source, string expected)
    {
        await Send(Uplink(o => o.PartitionKey = source), [KinesisRecords.Record(42)]);

        Assert.Equal(expected, Assert.Single(Assert.Single(_far.Requests).Records).PartitionKey);
    }

    [Fact]
    public async Task SendAsync_RandomPartitionKey_IsTheSameForAResend_AndDiffersBetweenRecords()
    {
        var uplink = Uplink(o => o.PartitionKey = PartitionKeySource.Random);
        var batch = KinesisRecords.Batch(3);

        await Send(uplink, batch);
        await Send(uplink, batch);

        var first = _far.Requests[0].Records.Select(r => r.PartitionKey).ToList();
        Assert.Equal(first, _far.Requests[1].Records.Select(r => r.PartitionKey));
        Assert.Equal(3, first.Distinct().Count());
    }

    [Fact]
    public async Task SendAsync_SensorPartitionKey_WithoutASensorField_FallsBackToTheGatewayId()
    {
        await Send(Uplink(), [KinesisRecords.Raw(1, """{"v":1,"id":"barn-1:1f3a9c0d:000000000001"}""")]);

        Assert.Equal("barn-1", Assert.Single(Assert.Single(_far.Requests).Records).PartitionKey);
    }

    [Theory]
    [InlineData(PartitionKeySource.Sensor, 11)]
    [InlineData(PartitionKeySource.Gateway, 6)]
    [InlineData(PartitionKeySource.Random, 21)]
    public void WireBytes_IsThePayloadPlusTheUtf8PartitionKey(PartitionKeySource source, int keyBytes)
    {
        var record = KinesisRecords.Record(42);

        Assert.Equal(record.Payload.Length + keyBytes, Uplink(o => o.PartitionKey = source).WireBytes(record));
    }

    [Fact]
    public void Limits_ComeFromTheOptions()
    {
        var uplink = Uplink(o =>
        {
            o.MaxBatchRecords = 200;
            o.MaxBatchBytes = 4_000_000;
            o.MaxRecordBytes = 500_000;
            o.BatchInterval = TimeSpan.FromSeconds(2);
        });

        Assert.Equal(new UplinkLimits(200, 4_000_000, 500_000, TimeSpan.FromSeconds(2)), uplink.Limits);
    }

    // Per-record outcomes

    [Fact]
    public async Task SendAsync_PartialFailure_NamesExactlyTheFailedRecords_ByKind()
    {
        _far.ThenAnswer(HttpStatusCode.OK, KinesisAnswers.PutRecords(6,
            (1, "ProvisionedThroughputExceededException", "Rate exceeded for shard shardId-000000000001 in stream farm-sensor-stream."),
            (3, "InternalFailure", "Internal service failure."),
            (4, "KMSDisabledException", "The key is disabled.")));

        var result = await Send(Uplink(), KinesisRecords.Batch(6));

        Assert.Equal(
            [
                new RecordFailure(1, RecordFailureKind.Throttled, "ProvisionedThroughputExceededException: Rate exceeded for shard shardId-000000000001 in stream farm-sensor-stream."),
                new RecordFailure(3, RecordFailureKind.Retry, "InternalFailure: Internal service failure."),
                new RecordFailure(4, RecordFailureKind.Rejected, "KMSDisabledException: The key is disabled."),
            ],
            result.Failures);
        Assert.Contains(_log.Events, e => e.Id == 4204 && e.Level == LogLevel.Warning && e.Message.Contains("KMSDisabledException"));
    }

    [Fact]
    public async Task SendAsync_FailedRecordCountZero_ButAnEntryFailed_TrustsTheEntries()
    {
        _far.ThenAnswer(HttpStatusCode.OK, KinesisAnswers.PutRecords(3, failedRecordCount: 0, (2, "InternalFailure", "oops")));

        var result = await Send(Uplink(), KinesisRecords.Batch(3));

        Assert.Equal(2, Assert.Single(result.Failures).Index);
    }

    [Fact]
    public async Task SendAsync_FailedRecordCountNonZero_ButEveryEntryWritten_IsComplete()
    {
        _far.ThenAnswer(HttpStatusCode.OK, KinesisAnswers.PutRecords(3, failedRecordCount: 2));

        Assert.True((await Send(Uplink(), KinesisRecords.Batch(3))).Complete);
    }

    // Whole-request failures: CLOUD.md's error table

    public static TheoryData<HttpStatusCode, string, UplinkFailure> ErrorTable() => new()
    {
        { HttpStatusCode.BadRequest, "ProvisionedThroughputExceededException", UplinkFailure.Throttled },
        { HttpStatusCode.BadRequest, "KMSThrottlingException", UplinkFailure.Throttled },
        { HttpStatusCode.BadRequest, "LimitExceededException", UplinkFailure.Throttled },
        { HttpStatusCode.BadRequest, "ThrottlingException", UplinkFailure.Throttled },
        { HttpStatusCode.BadRequest, "ValidationException", UplinkFailure.Rejected },
        { HttpStatusCode.BadRequest, "InvalidArgumentException", UplinkFailure.Rejected },
        { HttpStatusCode.BadRequest, "SerializationException", UplinkFailure.Rejected },
        { HttpStatusCode.BadRequest, "com.amazonaws.kinesis.v20131202#ResourceNotFoundException", UplinkFailure.Misconfigured },
        { HttpStatusCode.BadRequest, "AccessDeniedException", UplinkFailure.Misconfigured },
        { HttpStatusCode.BadRequest, "UnrecognizedClientException", UplinkFailure.Misconfigured },
        { HttpStatusCode.BadRequest, "KMSAccessDeniedException", UplinkFailure.Misconfigured },
        { HttpStatusCode.BadRequest, "KMSDisabledException", UplinkFailure.Misconfigured },
        { HttpStatusCode.BadRequest, "KMSNotFoundException", UplinkFailure.Misconfigured },
        { HttpStatusCode.BadRequest, "KMSInvalidStateException", UplinkFailure.Misconfigured },
        { HttpStatusCode.BadRequest, "KMSOptInRequired", UplinkFailure.Misconfigured },
        { HttpStatusCode.BadRequest, "InvalidSignatureException", UplinkFailure.Misconfigured },
        { HttpStatusCode.BadRequest, "UnknownOperationException", UplinkFailure.Misconfigured },
        { HttpStatusCode.NotFound, "", UplinkFailure.Misconfigured },
        { HttpStatusCode.TooManyRequests, "", UplinkFailure.Throttled },
        { HttpStatusCode.RequestEntityTooLarge, "", UplinkFailure.TooLarge },
    };

    [Theory]
    [MemberData(nameof(ErrorTable))]
    public async Task SendAsync_RequestError_IsClassifiedPerTheErrorTable_WithoutRetryingInside(HttpStatusCode status, string type, UplinkFailure expected)
    {
        if (type.Length == 0) _far.ThenAnswer(status, "");
        else _far.ThenError(status, type, "what the far side said");

        var failure = await SendFails(Uplink(), KinesisRecords.Batch(2));

        Assert.Equal(expected, failure.Failure);
        Assert.Single(_far.Requests);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "InternalFailure")]
    [InlineData(HttpStatusCode.BadGateway, "")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable")]
    [InlineData(HttpStatusCode.GatewayTimeout, "")]
    public async Task SendAsync_ServerError_IsTransient_AfterTheQuickRetries(HttpStatusCode status, string type)
    {
        _far.Times(3, f => f.ThenError(status, type, "try again"));

        var failure = await SendFails(Uplink(), KinesisRecords.Batch(2));

        Assert.Equal(UplinkFailure.Transient, failure.Failure);
        Assert.Equal(1 + KinesisClient.QuickRetries, _far.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_ServerErrorOnce_ThenWritten_IsComplete()
    {
        _far.ThenError(HttpStatusCode.InternalServerError, "InternalFailure");

        Assert.True((await Send(Uplink(), KinesisRecords.Batch(2))).Complete);
        Assert.Equal(2, _far.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_ErrorTypeOnlyInTheHeader_IsStillRecognised()
    {
        _far.ThenAnswer(HttpStatusCode.BadRequest, "", ("x-amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.kinesis/"));

        Assert.Equal(UplinkFailure.Misconfigured, (await SendFails(Uplink(), KinesisRecords.Batch(1))).Failure);
    }

    [Fact]
    public async Task SendAsync_StreamNotFound_SaysWhatToFix()
    {
        _far.ThenError(HttpStatusCode.BadRequest, "ResourceNotFoundException", "Stream farm-sensor-stream under account 111122223333 not found.");

        var failure = await SendFails(Uplink(), KinesisRecords.Batch(1));

        Assert.Contains("stream farm-sensor-stream not found in ap-northeast-2: create it or fix Gateway:Uplinks:Kinesis:StreamName", failure.Message);
        Assert.Contains("ResourceNotFoundException: Stream farm-sensor-stream under account 111122223333 not found.", failure.Message);
    }

    [Fact]
    public async Task SendAsync_AccessDenied_NamesThePermission()
    {
        _far.ThenError(HttpStatusCode.BadRequest, "AccessDeniedException", "User is not authorized to perform: kinesis:PutRecords");

        var failure = await SendFails(Uplink(), KinesisRecords.Batch(1));

        Assert.Contains("allow kinesis:PutRecords", failure.Message);
    }

    [Fact]
    public async Task SendAsync_ConnectionReset_IsTransient_AfterTheQuickRetries()
    {
        _far.ThenThrow(new HttpRequestException("Connection reset by peer", new IOException("reset")))
            .ThenThrow(new IOException("Unable to read data from the transport connection: Connection reset by peer."))
            .ThenThrow(new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"));

        var failure = await SendFails(Uplink(), KinesisRecords.Batch(2));

        Assert.Equal(UplinkFailure.Transient, failure.Failure);
        Assert.Equal(3, _far.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_NoAnswerWithinRequestTimeout_IsTransient()
    {
        _far.Times(3, f => f.ThenHang());

        var failure = await SendFails(Uplink(o => o.RequestTimeout = TimeSpan.FromSeconds(3)), KinesisRecords.Batch(2));

        Assert.Equal(UplinkFailure.Transient, failure.Failure);
        Assert.Contains("no answer within 3 s", failure.Message);
    }

    // Answers that cannot be trusted: never assume success

    [Theory]
    [InlineData("not json at all")]
    [InlineData("<html><body>Captive portal: please log in</body></html>")]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("""{"FailedRecordCount":0}""")]
    [InlineData("""{"FailedRecordCount":0,"Records":[{"SequenceNumber":"1","ShardId":"shardId-0"}]}""")]
    [InlineData("""{"FailedRecordCount":0,"Records":[{},{},{}]}""")]
    [InlineData("""{"FailedRecordCount":0,"Records":[{"SequenceNumber":"1"},{"SequenceNumber":"2"},{"SequenceNumber":"3"},{"SequenceNumber":"4"}]}""")]
    [InlineData("""{"FailedRecordCount":0,"Records":[{"SequenceNumber":"1"},{"SequenceNumber":"2"},{"SequenceNumber":"3"}""")]
    [InlineData("""{"FailedRecordCount":"zero","Records":[{"SequenceNumber":"1"},{"SequenceNumber":"2"},{"SequenceNumber":"3"}]}""")]
    public async Task SendAsync_AnswerThatDoesNotLineUp_IsTransient(string answer)
    {
        _far.ThenAnswer(HttpStatusCode.OK, answer);

        var failure = await SendFails(Uplink(), KinesisRecords.Batch(3));

        Assert.Equal(UplinkFailure.Transient, failure.Failure);
    }

    // Stale credentials and signatures

    [Theory]
    [InlineData("ExpiredTokenException", "The security token included in the request is expired")]
    [InlineData("ExpiredToken", "The security token included in the request is expired")]
    [InlineData("RequestExpired", "Request has expired.")]
    [InlineData("InvalidSignatureException", "Signature expired: 20261122T101530Z is now earlier than 20261122T102030Z (20261122T103530Z - 15 min.)")]
    [InlineData("InvalidSignatureException", "Signature not yet current: 20261122T105530Z is still later than 20261122T104030Z (20261122T102530Z + 15 min.)")]
    public async Task SendAsync_StaleCredentials_InvalidatesThem_AndSendsAFreshlySignedRequestAtOnce(string type, string message)
    {
        _far.ThenError(HttpStatusCode.BadRequest, type, message);

        var result = await Send(Uplink(), KinesisRecords.Batch(2));

        Assert.True(result.Complete);
        Assert.Equal(1, _credentials.Invalidations);
        var (first, second) = (_far.Requests[0], _far.Requests[1]);
        Assert.NotEqual(first.Signature, second.Signature);
        Assert.Equal(_credentials.Token, second.Header("X-Amz-Security-Token"));
        Assert.Equal(first.Body, second.Body);
    }

    [Fact]
    public async Task SendAsync_StaleCredentialsTwice_IsTransient_AfterOneFreshAttempt()
    {
        _far.Times(2, f => f.ThenError(HttpStatusCode.BadRequest, "ExpiredTokenException", "The security token included in the request is expired"));

        var failure = await SendFails(Uplink(), KinesisRecords.Batch(2));

        Assert.Equal(UplinkFailure.Transient, failure.Failure);
        Assert.Equal(2, _far.Requests.Count);
        Assert.Equal(1, _credentials.Invalidations);
    }

    [Fact]
    public async Task SendAsync_SignatureMismatchWithoutSkew_IsMisconfigured_WithoutARetry()
    {
        _far.ThenError(HttpStatusCode.BadRequest, "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");

        var failure = await SendFails(Uplink(), KinesisRecords.Batch(1));

        Assert.Equal(UplinkFailure.Misconfigured, failure.Failure);
        Assert.Equal(0, _credentials.Invalidations);
        Assert.Single(_far.Requests);
    }

    [Fact]
    public async Task SendAsync_NoCredentials_IsMisconfigured()
    {
        _credentials.Failure = new UplinkException(UplinkFailure.Misconfigured, "no AWS credentials found");

        Assert.Equal(UplinkFailure.Misconfigured, (await SendFails(Uplink(), KinesisRecords.Batch(1))).Failure);
        Assert.Empty(_far.Requests);
    }

    // Secrets never reach a log line or an exception message

    [Fact]
    public async Task Logs_AndFailures_NeverCarryTheAuthorizationHeader_TheSecretOrTheToken()
    {
        var uplink = Uplink();
        var failures = new List<string>();
        await uplink.StartAsync(CancellationToken.None);
        // A far side that echoes the Authorization header in its error (kinesalite does).
        _far.Then((request, _) => Task.FromResult(ScriptedKinesis.Answer(HttpStatusCode.BadRequest,
            $$"""{"__type":"IncompleteSignatureException","message":"Authorization header requires 'X'. Authorization={{request.Header("Authorization")}}"}""")));
        _far.ThenError(HttpStatusCode.BadRequest, "ExpiredTokenException", "expired");
        _far.ThenAnswer(request => KinesisAnswers.PutRecords(request.Records.Count, (0, "InvalidArgumentException", $"Signature={request.Signature}")));
        _far.ThenError(HttpStatusCode.BadRequest, "ResourceNotFoundException", "not found");
        foreach (var _ in Enumerable.Range(0, 3))
        {
            try
            {
                var result = await Send(uplink, KinesisRecords.Batch(2));
                failures.AddRange(result.Failures.Select(f => f.Reason));
            }
            catch (UplinkException e)
            {
                failures.Add(e.ToString());
            }
        }

        Assert.True(_far.Requests.Count >= 4);
        var everything = _log.All + "\n" + string.Join("\n", failures);
        Assert.Contains("IncompleteSignatureException", everything);
        foreach (var request in _far.Requests)
        {
            Assert.DoesNotContain(request.Signature, everything);
            Assert.DoesNotContain(request.Header("Authorization"), everything);
        }
        Assert.DoesNotContain(TestCredentials.SecretPrefix, everything);
        Assert.DoesNotContain(TestCredentials.TokenPrefix, everything);
        Assert.DoesNotContain(TestCredentials.AccessKey, everything);
    }

    // Start-up check

    [Fact]
    public async Task StartAsync_StreamActive_LogsStatusAndShards()
    {
        await Drive(Start(Uplink()));

        var request = Assert.Single(_far.Requests);
        Assert.Equal("Kinesis_20131202.DescribeStreamSummary", request.Header("X-Amz-Target"));
        Assert.Equal(Stream, (string)request.Json["StreamName"]!);
        var ready = Assert.Single(_log.Events, e => e.Id == 4200);
        Assert.Equal(LogLevel.Information, ready.Level);
        Assert.Contains("farm-sensor-stream in ap-northeast-2 is ACTIVE with 2 open shard(s)", ready.Message);
    }

    [Fact]
    public async Task StartAsync_StreamMissing_LogsAnActionableError_AndDoesNotThrow()
    {
        _far.ThenError(HttpStatusCode.BadRequest, "ResourceNotFoundException", "Stream farm-sensor-stream under account 111122223333 not found.");

        await Drive(Start(Uplink()));

        var error = Assert.Single(_log.Events, e => e.Level == LogLevel.Error);
        Assert.Equal(4201, error.Id);
        Assert.Contains("stream farm-sensor-stream not found in ap-northeast-2: create it or fix Gateway:Uplinks:Kinesis:StreamName", error.Message);
    }

    [Fact]
    public async Task StartAsync_AccessDenied_LogsAnError()
    {
        _far.ThenError(HttpStatusCode.BadRequest, "AccessDeniedException", "not authorized to perform kinesis:DescribeStreamSummary");

        await Drive(Start(Uplink()));

        Assert.Contains("kinesis:DescribeStreamSummary", Assert.Single(_log.Events, e => e.Level == LogLevel.Error).Message);
    }

    [Fact]
    public async Task StartAsync_NoCredentials_LogsAnError()
    {
        _credentials.Failure = new UplinkException(UplinkFailure.Misconfigured, "no AWS credentials found (nothing in the chain)");

        await Drive(Start(Uplink()));

        Assert.Contains("no AWS credentials found", Assert.Single(_log.Events, e => e.Level == LogLevel.Error).Message);
    }

    [Fact]
    public async Task StartAsync_Unreachable_LogsAWarning_AndDoesNotThrow()
    {
        _far.ThenThrow(new HttpRequestException(HttpRequestError.NameResolutionError, "Name or service not known"));

        await Drive(Start(Uplink()));

        Assert.Single(_far.Requests);
        var warning = Assert.Single(_log.Events, e => e.Level >= LogLevel.Warning);
        Assert.Equal((LogLevel.Warning, 4202), (warning.Level, warning.Id));
    }

    [Fact]
    public async Task StartAsync_NoAnswer_GivesUpAfterFiveSeconds_WithAWarning()
    {
        _far.ThenHang();
        var start = Start(Uplink(o => o.RequestTimeout = TimeSpan.FromSeconds(30)));

        await Eventually.True(() => _far.Requests.Count == 1, "the check was sent");
        _time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(start.IsCompleted);
        await Drive(start);

        Assert.Contains("no answer within 5 s", Assert.Single(_log.Events, e => e.Id == 4202).Message);
    }

    [Fact]
    public async Task StartAsync_StreamCreating_Warns()
    {
        _far.ThenAnswer(HttpStatusCode.OK, KinesisAnswers.Summary(Stream, "CREATING", 0));

        await Drive(Start(Uplink()));

        Assert.Single(_log.Events, e => e.Id == 4203 && e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task NoRegion_StartLogsAnError_AndSendIsMisconfigured()
    {
        var uplink = Uplink(o => o.Region = null);

        await Drive(Start(uplink));
        var failure = await SendFails(uplink, KinesisRecords.Batch(1));

        Assert.Contains("no AWS region is set", Assert.Single(_log.Events, e => e.Level == LogLevel.Error).Message);
        Assert.Equal(UplinkFailure.Misconfigured, failure.Failure);
        Assert.Contains("AWS_REGION", failure.Message);
        Assert.Empty(_far.Requests);
    }

    [Fact]
    public async Task NoRegionInTheOptions_TakesTheDefaultRegion()
    {
        await Send(Uplink(o => o.Region = null, defaultRegion: () => "eu-west-1"), KinesisRecords.Batch(1));

        Assert.Equal("kinesis.eu-west-1.amazonaws.com", Assert.Single(_far.Requests).Uri.Host);
    }

    [Theory]
    [InlineData(null, "ap-northeast-2", "no stream is set")]
    [InlineData("farm sensor stream", "ap-northeast-2", "is not a stream name")]
    [InlineData(Stream, "Seoul", "is not an AWS region name")]
    public async Task BadConfiguration_IsMisconfigured_WithTheKeyToFix(string? stream, string region, string expected)
    {
        var failure = await SendFails(Uplink(o => (o.StreamName, o.Region) = (stream, region)), KinesisRecords.Batch(1));

        Assert.Equal(UplinkFailure.Misconfigured, failure.Failure);
        Assert.Contains(expected, failure.Message);
        Assert.Contains("Gateway:Uplinks:Kinesis:", failure.Message);
    }

    [Fact]
    public void Name_IsKinesis() => Assert.Equal("kinesis", Uplink().Name);

    /// <summary>StartAsync; any exception fails the test (it must never throw).</summary>
    private static async Task<bool> Start(KinesisUplink uplink)
    {
        await uplink.StartAsync(CancellationToken.None);
        return true;
    }
}
