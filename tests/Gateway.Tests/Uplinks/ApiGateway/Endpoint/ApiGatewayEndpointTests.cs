using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FarmGateway.Tests.Testing;
using FarmGateway.Uplinks;
using FarmGateway.Uplinks.ApiGateway;
using FarmGateway.Uplinks.Aws;
using Microsoft.Extensions.Logging;
using static FarmGateway.Tests.Uplinks.ApiGateway.Endpoint.ApiGatewayTestKit;
using Answer = FarmGateway.Tests.Testing.FakeApiGateway.Answer;

namespace FarmGateway.Tests.Uplinks.ApiGateway.Endpoint;

/// <summary>What goes on the wire (body, gzip, auth) and what the uplink says at start, against a real Kestrel endpoint.</summary>
public sealed partial class ApiGatewayUplinkTests : IAsyncLifetime
{
    private readonly CapturingLogger<ApiGatewayUplink> _log = new();
    private readonly List<ApiGatewayUplink> _uplinks = [];
    private FakeApiGateway _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeApiGateway.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var uplink in _uplinks) await uplink.DisposeAsync();
        await _fake.DisposeAsync();
    }

    private ApiGatewayUplink Uplink(Action<ApiGatewayUplinkOptions>? change = null, AwsCredentialSource? credentials = null)
    {
        var uplink = ApiGatewayTestKit.Uplink(Options(_fake, change), credentials, _log);
        _uplinks.Add(uplink);
        return uplink;
    }

    private static byte[] Envelope(IEnumerable<FarmGateway.Journal.JournalRecord> batch) =>
        Encoding.UTF8.GetBytes($"{{\"records\":[{string.Join(',', batch.Select(Text))}]}}");

    [Fact]
    public async Task SendAsync_PostsTheRecordsByteIdenticalInsideTheEnvelope()
    {
        var batch = Records(3);

        var result = await Uplink().SendAsync(batch, CancellationToken.None);

        Assert.True(result.Complete);
        var request = Assert.Single(_fake.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal(FakeApiGateway.Path, request.Path);
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Null(request.Header("Content-Encoding"));
        Assert.Equal(Envelope(batch), request.Body);
        using var document = JsonDocument.Parse(request.Body);
        Assert.Equal(batch.Select(Text), document.RootElement.GetProperty("records").EnumerateArray().Select(r => r.GetRawText()));
        Assert.Equal(batch.ToDictionary(Id, Text), _fake.Records);
    }

    [Fact]
    public async Task SendAsync_Gzip_SendsContentEncodingGzip_AndTheBodyDecodesToTheSameBytes()
    {
        var batch = Records(50);

        var result = await Uplink(o => o.Gzip = true).SendAsync(batch, CancellationToken.None);

        Assert.True(result.Complete);
        var request = Assert.Single(_fake.Requests);
        Assert.Equal("gzip", request.Header("Content-Encoding"));
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal([0x1f, 0x8b], request.RawBody[..2]);
        Assert.True(request.RawBody.Length < request.Body.Length / 4, $"gzip sent {request.RawBody.Length} of {request.Body.Length} bytes");
        Assert.Equal(Envelope(batch), request.Body);
        Assert.Equal(50, _fake.Records.Count);
    }

    [Theory]
    [InlineData(200, "")]
    [InlineData(201, "<html>created</html>")]
    [InlineData(202, "{\"status\":\"failed\"}")]
    [InlineData(204, "")]
    public async Task SendAsync_Any2xx_IsDeliveredWhateverTheBody(int status, string body)
    {
        _fake.Enqueue(Answer.Ok(status, body));

        var result = await Uplink().SendAsync(Records(2), CancellationToken.None);

        Assert.Same(SendResult.AllDelivered, result);
    }

    [Fact]
    public async Task ApiKey_IsSentInTheXApiKeyHeader()
    {
        _fake.RequiredApiKey = ApiKey;

        var result = await Uplink().SendAsync(Records(1), CancellationToken.None);

        Assert.True(result.Complete);
        Assert.Equal(ApiKey, Assert.Single(_fake.Requests).Header("x-api-key"));
        Assert.Null(_fake.Requests[0].Header("Authorization"));
    }

    [Fact]
    public async Task ApiKey_Wrong_ThrowsMisconfigured_NamingTheSettingButNotTheKey()
    {
        _fake.RequiredApiKey = "the-right-key";

        var e = await Fails(Uplink(), Records(2));

        Assert.Equal(UplinkFailure.Misconfigured, e.Failure);
        Assert.StartsWith($"403 Forbidden from {_fake.Url}: check Gateway:Uplinks:ApiGateway:ApiKey", e.Message);
        Assert.DoesNotContain(ApiKey, e.Message);
        Assert.Equal(1, _fake.RequestCount);
        Assert.Empty(_fake.Records);
    }

    [Fact]
    public async Task AuthNone_SendsNeitherAKeyNorASignature()
    {
        var result = await Uplink(o => o.Auth = ApiGatewayAuth.None).SendAsync(Records(1), CancellationToken.None);

        Assert.True(result.Complete);
        var request = Assert.Single(_fake.Requests);
        Assert.Null(request.Header("x-api-key"));
        Assert.Null(request.Header("Authorization"));
        Assert.Null(request.Header("X-Amz-Date"));
    }

    [Fact]
    public async Task Iam_SignsTheGzippedRequestWithSigV4ForExecuteApi()
    {
        var credentials = new StaticCredentials(("AKIDEXAMPLE1", "secret-one"));
        _fake.RequiredSigV4 = new(Region, credentials.Secrets);

        var result = await Uplink(Iam, credentials).SendAsync(Records(5), CancellationToken.None);

        // The fake recomputed the signature over the bytes and headers it received.
        Assert.True(result.Complete);
        var request = Assert.Single(_fake.Requests);
        Assert.Equal(200, request.Status);
        var amzDate = request.Header("X-Amz-Date")!;
        Assert.Matches(@"^\d{8}T\d{6}Z$", amzDate);
        var authorization = AuthorizationShape().Match(request.Header("Authorization")!);
        Assert.True(authorization.Success, request.Header("Authorization"));
        Assert.Equal($"AKIDEXAMPLE1/{amzDate[..8]}/{Region}/execute-api/aws4_request", authorization.Groups["credential"].Value);
        Assert.Contains("content-encoding", authorization.Groups["headers"].Value.Split(';'));
        Assert.Null(request.Header("x-api-key"));
        Assert.Equal(5, _fake.Records.Count);
    }

    [Fact]
    public async Task Iam_ARetriedAttempt_IsSignedAgainWithFreshlyResolvedCredentials()
    {
        // Each resolution hands out the next key, so the second attempt's signature must differ.
        var credentials = new StaticCredentials(("AKIDEXAMPLE1", "secret-one"), ("AKIDEXAMPLE2", "secret-two"));
        _fake.RequiredSigV4 = new(Region, credentials.Secrets);
        _fake.Enqueue(Answer.Error(502));

        var result = await Uplink(Iam, credentials).SendAsync(Records(2), CancellationToken.None);

        Assert.True(result.Complete);
        Assert.Equal([502, 200], _fake.Requests.Select(r => r.Status));
        Assert.Equal(["AKIDEXAMPLE1", "AKIDEXAMPLE2"], _fake.Requests.Select(r => AuthorizationShape().Match(r.Header("Authorization")!).Groups["credential"].Value.Split('/')[0]));
        Assert.Equal(2, credentials.Resolved);
    }

    [Fact]
    public async Task Iam_SignatureNotAccepted_ThrowsMisconfigured_NamingTheIamPolicy()
    {
        _fake.RequiredSigV4 = new(Region, new Dictionary<string, string> { ["AKIDEXAMPLE1"] = "the-real-secret" });

        var e = await Fails(Uplink(Iam, new StaticCredentials(("AKIDEXAMPLE1", "an-old-secret"))), Records(1));

        Assert.Equal(UplinkFailure.Misconfigured, e.Failure);
        Assert.Contains("execute-api:Invoke", e.Message);
        Assert.Contains("signature", e.Message);
        Assert.DoesNotContain("an-old-secret", e.Message);
    }

    [Fact]
    public async Task Iam_SignatureExpired_IsTransient_PointingAtTheClock()
    {
        _fake.Enqueue(Answer.Error(403, "{\"message\":\"Signature expired: 20261122T101530Z is now earlier than 20261122T102031Z (20261122T102531Z - 5 min.)\"}"));

        var e = await Fails(Uplink(Iam, new StaticCredentials(("AKIDEXAMPLE1", "secret-one"))), Records(1));

        Assert.Equal(UplinkFailure.Transient, e.Failure);
        Assert.Contains("NTP", e.Message);
    }

    [Fact]
    public async Task Iam_ExpiredSessionToken_IsTransient_AndTheCredentialsAreResolvedAgain()
    {
        var credentials = new StaticCredentials(("AKIDEXAMPLE1", "secret-one"));
        _fake.Enqueue(Answer.Error(403, "{\"message\":\"The security token included in the request is expired\"}"));

        var e = await Fails(Uplink(Iam, credentials), Records(1));

        Assert.Equal(UplinkFailure.Transient, e.Failure);
        Assert.Equal(1, credentials.Invalidated);
    }

    [Fact]
    public async Task StartAsync_LogsTheHostAndPathAndTheAuthMode_NeverTheQueryOrKey()
    {
        var uplink = Uplink(o => o.Url = $"{_fake.Url}?stage-token=do-not-log");

        await uplink.StartAsync(CancellationToken.None);

        var started = Assert.Single(_log.Events);
        Assert.Equal((LogLevel.Information, 4250), (started.Level, started.Id.Id));
        Assert.Contains(_fake.Url.ToString(), started.Message);
        Assert.Contains("ApiKey", started.Message);
        Assert.DoesNotContain("do-not-log", started.Message);
        Assert.DoesNotContain(ApiKey, _log.AllText);
        Assert.Equal(0, _fake.RequestCount);
    }

    [Fact]
    public async Task StartAsync_ApiKeyMissing_LogsAnErrorNamingTheVariable_AndSendAsyncDoesNotCallTheEndpoint()
    {
        var uplink = Uplink(o => o.ApiKey = "");

        await uplink.StartAsync(CancellationToken.None);
        var e = await Fails(uplink, Records(1));

        var error = Assert.Single(_log.Events, x => x.Level == LogLevel.Error);
        Assert.Equal(4251, error.Id.Id);
        Assert.Contains("Gateway__Uplinks__ApiGateway__ApiKey", error.Message);
        Assert.Equal(UplinkFailure.Misconfigured, e.Failure);
        Assert.Contains("Gateway__Uplinks__ApiGateway__ApiKey", e.Message);
        Assert.Equal(0, _fake.RequestCount);
    }

    [Fact]
    public async Task StartAsync_IamWithoutCredentials_LogsAnError_AndNeverThrows()
    {
        var uplink = Uplink(Iam, credentials: null);

        await uplink.StartAsync(CancellationToken.None);

        Assert.Contains(_log.Events, x => x is { Level: LogLevel.Error, Id.Id: 4252 });
        Assert.Equal(UplinkFailure.Misconfigured, (await Fails(uplink, Records(1))).Failure);
    }

    [Fact]
    public async Task ApiKey_NeverAppearsInAnyLogOrError_EvenWhenTheFarSideEchoesIt()
    {
        _fake.RequiredApiKey = ApiKey;
        var uplink = Uplink();
        var errors = new List<string>();
        await uplink.StartAsync(CancellationToken.None);
        await uplink.SendAsync(Records(2), CancellationToken.None);
        foreach (var answer in (Answer[])[
                     Answer.Error(403, $"{{\"message\":\"Forbidden for key {ApiKey}\"}}"),
                     Answer.Error(400, $"{{\"message\":\"bad record\",\"key\":\"{ApiKey}\"}}"),
                     Answer.Throttled(TimeSpan.FromSeconds(3)),
                     Answer.Error(404),
                     Answer.Error(413),
                 ])
        {
            _fake.Enqueue(answer);
            errors.Add((await Fails(uplink, Records(2, first: 10))).Message);
        }
        _fake.Enqueue(Answer.Hang(), times: 3);
        errors.Add((await Fails(Uplink(o => o.RequestTimeout = TimeSpan.FromMilliseconds(300)), Records(1, first: 20))).Message);

        Assert.Contains(_log.Events, x => x.Level == LogLevel.Debug && x.Id.Id == 4253);
        Assert.DoesNotContain(ApiKey, _log.AllText);
        Assert.All(errors, message => Assert.DoesNotContain(ApiKey, message));
        Assert.Contains("Forbidden for key ***", errors[0]);
    }

    private static void Iam(ApiGatewayUplinkOptions options)
    {
        options.Auth = ApiGatewayAuth.Iam;
        options.Region = Region;
        options.ApiKey = null;
        options.Gzip = true;
    }

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<credential>[^,]+), ?SignedHeaders=(?<headers>[a-z0-9;-]+), ?Signature=[0-9a-f]{64}$")]
    private static partial Regex AuthorizationShape();
}
