using System.IO.Compression;
using System.Text;
using FarmGateway.Journal;
using FarmGateway.Uplinks;
using FarmGateway.Uplinks.ApiGateway;
using Microsoft.Extensions.Logging.Abstractions;

namespace FarmGateway.Tests.Uplinks.ApiGateway;

/// <summary>The pure parts: region, sizes, body, snippets, and configuration problems caught before any request.</summary>
public sealed class ApiGatewayUplinkTests
{
    private static JournalRecord Record(string json, long sequence = 1) => new("1f3a9c0d", sequence, Encoding.UTF8.GetBytes(json));

    private static ApiGatewayUplink Uplink(ApiGatewayUplinkOptions options, NoNetwork? transport = null) =>
        new(options, transport ?? new NoNetwork(), credentials: null, TimeProvider.System, NullLogger<ApiGatewayUplink>.Instance);

    private static ApiGatewayUplinkOptions Options(Action<ApiGatewayUplinkOptions>? change = null)
    {
        var options = new ApiGatewayUplinkOptions
        {
            Enabled = true,
            Url = "https://abc123.execute-api.ap-northeast-2.amazonaws.com/prod/readings",
            ApiKey = "k3y",
        };
        change?.Invoke(options);
        return options;
    }

    [Theory]
    [InlineData("https://abc123.execute-api.ap-northeast-2.amazonaws.com/prod/readings", "ap-northeast-2")]
    [InlineData("https://abc123.execute-api.us-gov-west-1.amazonaws.com/prod", "us-gov-west-1")]
    [InlineData("https://abc123-vpce-0a1b2c3d.execute-api.eu-west-1.amazonaws.com/prod/readings", "eu-west-1")]
    [InlineData("https://abc123.execute-api.cn-north-1.amazonaws.com.cn/prod/readings", "cn-north-1")]
    public void ResolveRegion_ExecuteApiHost_NamesTheRegion(string url, string region) =>
        Assert.Equal(region, ApiGatewayUplink.ResolveRegion(null, new Uri(url), _ => "us-east-1"));

    [Fact]
    public void ResolveRegion_PrefersConfigured_ThenHost_ThenAwsRegion_ThenAwsDefaultRegion()
    {
        var apiHost = new Uri("https://abc123.execute-api.eu-west-1.amazonaws.com/prod");
        var customDomain = new Uri("https://readings.farm.example/v1");
        var both = new Dictionary<string, string> { ["AWS_REGION"] = "eu-north-1", ["AWS_DEFAULT_REGION"] = "us-east-2" };
        var defaultOnly = new Dictionary<string, string> { ["AWS_DEFAULT_REGION"] = "us-east-2" };

        Assert.Equal("ap-southeast-2", ApiGatewayUplink.ResolveRegion(" ap-southeast-2 ", apiHost, both.GetValueOrDefault));
        Assert.Equal("eu-west-1", ApiGatewayUplink.ResolveRegion(null, apiHost, both.GetValueOrDefault));
        Assert.Equal("eu-north-1", ApiGatewayUplink.ResolveRegion("", customDomain, both.GetValueOrDefault));
        Assert.Equal("us-east-2", ApiGatewayUplink.ResolveRegion(null, customDomain, defaultOnly.GetValueOrDefault));
        Assert.Null(ApiGatewayUplink.ResolveRegion(null, customDomain, _ => null));
    }

    [Fact]
    public void WireBytes_IsThePayloadPlusItsComma()
    {
        var uplink = Uplink(Options());

        Assert.Equal(8, uplink.WireBytes(Record("{\"a\":1}")));
    }

    [Fact]
    public void Limits_ComeFromTheOptions_WithTheEnvelopeKeptOutOfTheByteBudget()
    {
        var uplink = Uplink(Options(o =>
        {
            o.MaxBatchRecords = 200;
            o.MaxBatchBytes = 100_000;
            o.BatchInterval = TimeSpan.FromSeconds(2);
        }));

        Assert.Equal(new UplinkLimits(200, 100_000 - 16, 100_000 - 16, TimeSpan.FromSeconds(2)), uplink.Limits);
    }

    [Fact]
    public void BuildBody_AFullBatch_StaysWithinMaxBatchBytes()
    {
        const long maxBatchBytes = 10_000;
        var uplink = Uplink(Options(o => o.MaxBatchBytes = maxBatchBytes));
        // Records of 99 bytes (100 on the wire) filling the worker's budget exactly, and the largest single record.
        var record = Record("{\"v\":1,\"pad\":\"" + new string('x', 99 - 16) + "\"}");
        var full = Enumerable.Repeat(record, (int)(uplink.Limits.MaxBatchBytes / uplink.WireBytes(record))).ToArray();
        var largest = Record("{\"pad\":\"" + new string('x', (int)uplink.Limits.MaxRecordBytes - 11) + "\"}");

        Assert.Equal(uplink.Limits.MaxRecordBytes, uplink.WireBytes(largest));
        Assert.InRange(ApiGatewayUplink.BuildBody(full).Length, maxBatchBytes - 200, maxBatchBytes);
        Assert.InRange(ApiGatewayUplink.BuildBody([largest]).Length, 1, maxBatchBytes);
    }

    [Fact]
    public void BuildBody_JoinsThePayloadsUnchangedWithCommasInsideTheEnvelope()
    {
        JournalRecord[] batch = [Record("{\"a\":1}"), Record("{\"b\":\"\\u00e9 \\\"q\\\"\"}"), Record("{\"c\":\"é\"}")];

        var body = ApiGatewayUplink.BuildBody(batch);

        Assert.Equal("{\"records\":[{\"a\":1},{\"b\":\"\\u00e9 \\\"q\\\"\"},{\"c\":\"é\"}]}", Encoding.UTF8.GetString(body));
        Assert.Equal("{\"records\":[{\"a\":1}]}", Encoding.UTF8.GetString(ApiGatewayUplink.BuildBody([batch[0]])));
        Assert.Equal("{\"records\":[]}", Encoding.UTF8.GetString(ApiGatewayUplink.BuildBody([])));
    }

    [Fact]
    public void Compress_RoundTripsToTheSameBytes()
    {
        var json = ApiGatewayUplink.BuildBody(Enumerable.Range(1, 100).Select(i => Record($"{{\"v\":1,\"seq\":{i}}}", i)).ToArray());

        var compressed = ApiGatewayUplink.Compress(json);

        using var gzip = new GZipStream(new MemoryStream(compressed.Array!, compressed.Offset, compressed.Count), CompressionMode.Decompress);
        using var decoded = new MemoryStream();
        gzip.CopyTo(decoded);
        Assert.Equal(json, decoded.ToArray());
        Assert.True(compressed.Count < json.Length);
    }

    [Fact]
    public void Snippet_IsOneLineOfAtMost200Characters()
    {
        Assert.Equal("{ \"message\": \"bad\" }", ApiGatewayUplink.Snippet("{\r\n  \"message\":\t\"bad\"\n}\n"));
        Assert.Equal(new string('x', 200) + "...", ApiGatewayUplink.Snippet(new string('x', 500)));
        Assert.Equal(new string('x', 200), ApiGatewayUplink.Snippet(new string('x', 200)));
        Assert.Equal("", ApiGatewayUplink.Snippet(""));
    }

    [Theory]
    [InlineData(null, "is not an absolute http(s) URL")]
    [InlineData("readings.farm.example/prod", "is not an absolute http(s) URL")]
    [InlineData("ftp://readings.farm.example/prod", "is not an absolute http(s) URL")]
    public async Task SendAsync_BadUrl_ThrowsMisconfigured_WithoutARequest(string? url, string problem)
    {
        var transport = new NoNetwork();
        await using var uplink = Uplink(Options(o => o.Url = url), transport);

        await uplink.StartAsync(CancellationToken.None);
        var e = await Assert.ThrowsAsync<UplinkException>(() => uplink.SendAsync([Record("{}")], CancellationToken.None));

        Assert.Equal(UplinkFailure.Misconfigured, e.Failure);
        Assert.Contains(problem, e.Message);
        Assert.Equal(0, transport.Calls);
    }

    [Fact]
    public async Task SendAsync_IamWithoutACredentialSource_ThrowsMisconfigured_WithoutARequest()
    {
        var transport = new NoNetwork();
        await using var uplink = Uplink(Options(o => o.Auth = ApiGatewayAuth.Iam), transport);

        var e = await Assert.ThrowsAsync<UplinkException>(() => uplink.SendAsync([Record("{}")], CancellationToken.None));

        Assert.Equal(UplinkFailure.Misconfigured, e.Failure);
        Assert.Equal(0, transport.Calls);
    }

    [Fact]
    public async Task SendAsync_EmptyBatch_SendsNothing()
    {
        var transport = new NoNetwork();
        await using var uplink = Uplink(Options(), transport);

        Assert.Same(SendResult.AllDelivered, await uplink.SendAsync([], CancellationToken.None));
        Assert.Equal(0, transport.Calls);
    }

    /// <summary>A transport for tests that must not reach the network: counts calls and fails them.</summary>
    private sealed class NoNetwork : HttpMessageHandler
    {
        private int _calls;

        public int Calls => _calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            throw new InvalidOperationException("no network in unit tests");
        }
    }
}
