using System.Diagnostics;
using FarmGateway.Tests.Testing;
using FarmGateway.Uplinks;
using FarmGateway.Uplinks.ApiGateway;
using static FarmGateway.Tests.Uplinks.ApiGateway.Endpoint.ApiGatewayTestKit;
using Answer = FarmGateway.Tests.Testing.FakeApiGateway.Answer;

namespace FarmGateway.Tests.Uplinks.ApiGateway.Endpoint;

/// <summary>
/// Every row of the status-code table (README.md) and every network fault, against a real
/// Kestrel endpoint: what SendAsync throws, and how many requests the quick retry layer made.
/// </summary>
public sealed class ApiGatewayFailureTests : IAsyncLifetime
{
    private readonly List<ApiGatewayUplink> _uplinks = [];
    private FakeApiGateway _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeApiGateway.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var uplink in _uplinks) await uplink.DisposeAsync();
        await _fake.DisposeAsync();
    }

    private ApiGatewayUplink Uplink(Action<ApiGatewayUplinkOptions>? change = null)
    {
        var uplink = ApiGatewayTestKit.Uplink(Options(_fake, change));
        _uplinks.Add(uplink);
        return uplink;
    }

    [Fact]
    public async Task Throttled429_ThrowsThrottled_WithTheRetryAfterDelay_AndNoQuickRetry()
    {
        _fake.Enqueue(Answer.Throttled(TimeSpan.FromSeconds(7)));

        var e = await Fails(Uplink(), Records(2));

        Assert.Equal(UplinkFailure.Throttled, e.Failure);
        Assert.Equal(TimeSpan.FromSeconds(7), e.RetryAfter);
        Assert.StartsWith($"429 Too Many Requests from {_fake.Url}: throttled, Retry-After 7 s", e.Message);
        Assert.Equal(1, _fake.RequestCount);
        Assert.Empty(_fake.Records);
    }

    [Fact]
    public async Task Throttled429_WithoutRetryAfter_HasNoDelay()
    {
        _fake.Enqueue(Answer.Throttled());

        var e = await Fails(Uplink(), Records(1));

        Assert.Equal(UplinkFailure.Throttled, e.Failure);
        Assert.Null(e.RetryAfter);
    }

    [Theory]
    [InlineData(500, 3)]
    [InlineData(502, 3)]
    [InlineData(503, 3)]
    [InlineData(504, 3)]
    [InlineData(501, 1)]
    [InlineData(408, 1)]
    public async Task ServerErrorsAnd408_AreTransient_AfterTheQuickRetriesFor500To504(int status, int requests)
    {
        _fake.Enqueue(Answer.Error(status, "{\"message\":\"Internal server error\"}"), times: 3);

        var e = await Fails(Uplink(), Records(2));

        Assert.Equal(UplinkFailure.Transient, e.Failure);
        Assert.StartsWith($"{status} ", e.Message);
        Assert.Contains("Internal server error", e.Message);
        Assert.Equal(requests, _fake.RequestCount);
        Assert.Empty(_fake.Records);
    }

    [Fact]
    public async Task OneBadGateway_IsRetriedQuickly_AndTheBatchIsDelivered()
    {
        var batch = Records(4);
        _fake.Enqueue(Answer.Error(502));

        var result = await Uplink().SendAsync(batch, CancellationToken.None);

        Assert.Same(SendResult.AllDelivered, result);
        Assert.Equal([502, 200], _fake.Requests.Select(r => r.Status));
        Assert.Equal(batch.ToDictionary(Id, Text), _fake.Records);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TooLarge413_ThrowsTooLarge_CountedOnTheDecodedBody(bool gzip)
    {
        // Ten records are ~2.8 KB of JSON (a few hundred bytes gzipped); the limit applies to the JSON.
        _fake.MaxBodyBytes = 1500;
        var uplink = Uplink(o => o.Gzip = gzip);

        var e = await Fails(uplink, Records(10));
        var smaller = await uplink.SendAsync(Records(3), CancellationToken.None);

        Assert.Equal(UplinkFailure.TooLarge, e.Failure);
        Assert.StartsWith("413 ", e.Message);
        Assert.Contains("10 record(s)", e.Message);
        Assert.True(smaller.Complete);
        Assert.Equal(3, _fake.Records.Count);
        Assert.Equal(2, _fake.RequestCount);
    }

    [Fact]
    public async Task BadRequest400_IsRejected_WithTheFirst200CharactersOfTheBody()
    {
        var body = "{\"message\":\"record barn-1:1f3a9c0d:000000000003: humidity must be a number\",\n\"detail\":\""
            + new string('x', 300) + "TAIL\"}";
        _fake.Enqueue(Answer.Error(400, body));

        var e = await Fails(Uplink(), Records(3));

        Assert.Equal(UplinkFailure.Rejected, e.Failure);
        Assert.StartsWith($"400 Bad Request from {_fake.Url}", e.Message);
        Assert.Contains("humidity must be a number\", \"detail\"", e.Message);
        Assert.DoesNotContain("TAIL", e.Message);
        Assert.DoesNotContain(new string('x', 200), e.Message);
        Assert.DoesNotContain("\n", e.Message);
        Assert.Equal(1, _fake.RequestCount);
    }

    [Theory]
    [InlineData(409)]
    [InlineData(422)]
    public async Task OtherClientErrors_AreRejected(int status)
    {
        _fake.Enqueue(Answer.Error(status, "{\"message\":\"invalid record\"}"));

        var e = await Fails(Uplink(), Records(1));

        Assert.Equal(UplinkFailure.Rejected, e.Failure);
        Assert.Contains("invalid record", e.Message);
    }

    [Theory]
    [InlineData(401, "Gateway:Uplinks:ApiGateway:ApiKey")]
    [InlineData(403, "Gateway:Uplinks:ApiGateway:ApiKey")]
    [InlineData(404, "Gateway:Uplinks:ApiGateway:Url")]
    [InlineData(405, "Gateway:Uplinks:ApiGateway:Url")]
    [InlineData(415, "Gateway:Uplinks:ApiGateway:Gzip")]
    [InlineData(301, "Gateway:Uplinks:ApiGateway:Url")]
    public async Task RequestLevelConfigurationErrors_AreMisconfigured_NamingTheSetting(int status, string setting)
    {
        _fake.Enqueue(Answer.Error(status));

        var e = await Fails(Uplink(), Records(2));

        Assert.Equal(UplinkFailure.Misconfigured, e.Failure);
        Assert.StartsWith($"{status} ", e.Message);
        Assert.Contains($"from {_fake.Url}", e.Message);
        Assert.Contains(setting, e.Message);
        Assert.Equal(1, _fake.RequestCount);
    }

    [Fact]
    public async Task WrongPath_IsMisconfigured_NamingTheUrl()
    {
        var e = await Fails(Uplink(o => o.Url = new Uri(_fake.BaseAddress, "/prod/typo").ToString()), Records(1));

        Assert.Equal(UplinkFailure.Misconfigured, e.Failure);
        Assert.Contains("404", e.Message);
        Assert.Contains("Gateway:Uplinks:ApiGateway:Url", e.Message);
    }

    [Fact]
    public async Task GatewayTimeoutAfterStoring_TheResendCarriesTheSameIds_AndTheEndpointKeepsEachRecordOnce()
    {
        // The Lambda took the batch but API Gateway gave up waiting: every attempt is stored.
        var batch = Records(5);
        _fake.Enqueue(Answer.StoreThen(504), times: 3);
        var uplink = Uplink();

        var e = await Fails(uplink, batch);
        var resend = await uplink.SendAsync(batch, CancellationToken.None);

        Assert.Equal(UplinkFailure.Transient, e.Failure);
        Assert.True(resend.Complete);
        Assert.Equal([504, 504, 504, 200], _fake.Requests.Select(r => r.Status));
        Assert.Equal(4 * batch.Length, _fake.ReceivedIds.Count);
        Assert.Equal(batch.ToDictionary(Id, Text), _fake.Records);
        Assert.Empty(_fake.Conflicts);
    }

    [Fact]
    public async Task NoAnswerWithinTheRequestTimeout_IsTransient_AfterTheQuickRetries()
    {
        _fake.Enqueue(Answer.Hang(), times: 3);
        var uplink = Uplink(o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        var e = await Fails(uplink, Records(2));

        Assert.Equal(UplinkFailure.Transient, e.Failure);
        Assert.Equal($"POST {_fake.Url}: no answer within 0.3 s", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        await Eventually.True(() => _fake.RequestCount == 3, "the endpoint saw three attempts", TimeSpan.FromSeconds(5));
        Assert.Empty(_fake.Records);
    }

    [Fact]
    public async Task ASlowAnswerWithinTheRequestTimeout_IsDelivered()
    {
        _fake.Enqueue(Answer.Slow(TimeSpan.FromMilliseconds(200)));

        var result = await Uplink().SendAsync(Records(2), CancellationToken.None);

        Assert.True(result.Complete);
        Assert.Equal(1, _fake.RequestCount);
    }

    [Fact]
    public async Task ConnectionAborted_IsTransient_AfterTheQuickRetries()
    {
        _fake.Enqueue(Answer.Abort(), times: 3);

        var e = await Fails(Uplink(), Records(2));

        Assert.Equal(UplinkFailure.Transient, e.Failure);
        Assert.StartsWith($"POST {_fake.Url}: ", e.Message);
        Assert.Equal(3, _fake.RequestCount);
        Assert.Empty(_fake.Records);
    }

    [Fact]
    public async Task ConnectionAbortedOnce_IsRetriedQuickly_AndTheBatchIsDelivered()
    {
        _fake.Enqueue(Answer.Abort());

        var result = await Uplink().SendAsync(Records(2), CancellationToken.None);

        Assert.True(result.Complete);
        Assert.Equal([0, 200], _fake.Requests.Select(r => r.Status));
    }

    [Fact]
    public async Task NothingListening_IsTransient_CannotConnect()
    {
        var gone = await FakeApiGateway.StartAsync();
        var url = gone.Url.ToString();
        await gone.DisposeAsync();

        var e = await Fails(Uplink(o => o.Url = url), Records(1));

        Assert.Equal(UplinkFailure.Transient, e.Failure);
        Assert.Contains("cannot connect", e.Message);
    }

    [Fact]
    public async Task CallerCancellation_IsNotAFailure_ButACancellation()
    {
        _fake.Enqueue(Answer.Hang());
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Uplink().SendAsync(Records(1), stop.Token));

        Assert.Empty(_fake.Records);
    }
}
