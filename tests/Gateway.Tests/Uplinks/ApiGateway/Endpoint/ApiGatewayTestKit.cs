using System.Text;
using Amazon.Runtime;
using FarmGateway.Tests.Testing;
using FarmGateway.Journal;
using FarmGateway.Uplinks;
using FarmGateway.Uplinks.ApiGateway;
using FarmGateway.Uplinks.Aws;

namespace FarmGateway.Tests.Uplinks.ApiGateway.Endpoint;

/// <summary>Records, uplinks and credentials for the API Gateway tests.</summary>
internal static class ApiGatewayTestKit
{
    public const string Region = "ap-northeast-2";
    public const string ApiKey = "k3y-s3cr3t-0123456789abcdef";

    /// <summary>Schema v1 records as the journal holds them, one with non-ASCII text and escapes.</summary>
    public static JournalRecord[] Records(int count, int first = 1, string epoch = "1f3a9c0d") =>
        Enumerable.Range(first, count).Select(i => Record(epoch, i)).ToArray();

    public static JournalRecord Record(string epoch, long sequence) =>
        new(epoch, sequence, Encoding.UTF8.GetBytes(
            $"{{\"v\":1,\"id\":\"barn-1:{epoch}:{sequence:D12}\",\"gateway\":\"barn-1\",\"site\":\"farm-a\",\"location\":\"barn-1\",\"sensor\":\"barn1-scd30\",\"model\":\"SCD30 \\\"r\u00e9v 2\\\"\",\"ts\":\"2026-11-22T10:15:30.123Z\",\"temperature\":{20 + sequence % 10}.5,\"humidity\":55.2,\"co2\":612,\"clock\":\"synced\"}}"));

    public static string Id(JournalRecord record) => $"barn-1:{record.Epoch}:{record.Sequence:D12}";

    public static string Text(JournalRecord record) => Encoding.UTF8.GetString(record.Payload.Span);

    public static ApiGatewayUplinkOptions Options(FakeApiGateway fake, Action<ApiGatewayUplinkOptions>? change = null)
    {
        var options = new ApiGatewayUplinkOptions
        {
            Enabled = true,
            Url = fake.Url.ToString(),
            Auth = ApiGatewayAuth.ApiKey,
            ApiKey = ApiKey,
            Gzip = false,
            RequestTimeout = TimeSpan.FromSeconds(5),
        };
        change?.Invoke(options);
        return options;
    }

    public static ApiGatewayUplink Uplink(
        ApiGatewayUplinkOptions options, AwsCredentialSource? credentials = null, CapturingLogger<ApiGatewayUplink>? logger = null) =>
        new(options, new SocketsHttpHandler { AllowAutoRedirect = false }, credentials, TimeProvider.System,
            logger ?? new CapturingLogger<ApiGatewayUplink>());

    public static async Task<UplinkException> Fails(ApiGatewayUplink uplink, IReadOnlyList<JournalRecord> batch) =>
        await Assert.ThrowsAsync<UplinkException>(() => uplink.SendAsync(batch, CancellationToken.None));
}

/// <summary>Fixed credentials; with several keys each resolution hands out the next, like a rotation.</summary>
internal sealed class StaticCredentials(params (string AccessKey, string SecretKey)[] keys) : AwsCredentialSource(profile: null)
{
    private int _resolved;
    private int _invalidated;

    public int Resolved => Volatile.Read(ref _resolved);

    public int Invalidated => Volatile.Read(ref _invalidated);

    public IReadOnlyDictionary<string, string> Secrets => keys.ToDictionary(k => k.AccessKey, k => k.SecretKey);

    public override Task<ImmutableCredentials> GetAsync(CancellationToken cancellationToken)
    {
        var (accessKey, secretKey) = keys[(Interlocked.Increment(ref _resolved) - 1) % keys.Length];
        return Task.FromResult(new ImmutableCredentials(accessKey, secretKey, null));
    }

    public override void Invalidate() => Interlocked.Increment(ref _invalidated);
}
