using FarmGateway.Configuration;
using FarmGateway.Uplinks.ApiGateway;
using FarmGateway.Uplinks.Kinesis;

namespace FarmGateway.Tests.Configuration;

/// <summary>
/// The cloud uplinks' settings as a technician writes them: each bad value stops the gateway
/// (exit 78) with the key, the value and what is allowed; a good section binds to what the
/// uplink reads. AWS_REGION is controlled, since it is a fallback for Region.
/// </summary>
[Collection(EnvironmentCollection.Name)]
public sealed class UplinkOptionsValidationTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string? _region = Environment.GetEnvironmentVariable("AWS_REGION");
    private readonly string? _defaultRegion = Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");

    public UplinkOptionsValidationTests()
    {
        Environment.SetEnvironmentVariable("AWS_REGION", null);
        Environment.SetEnvironmentVariable("AWS_DEFAULT_REGION", null);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("AWS_REGION", _region);
        Environment.SetEnvironmentVariable("AWS_DEFAULT_REGION", _defaultRegion);
        _temp.Dispose();
    }

    private ConfigLoadResult Kinesis(params string[] args) =>
        ConfigLoad.Run(_temp, ["--Gateway:Uplinks:Kinesis:Enabled=true", .. args]);

    private ConfigLoadResult Api(params string[] args) =>
        ConfigLoad.Run(_temp, ["--Gateway:Uplinks:ApiGateway:Enabled=true", .. args]);

    [Fact]
    public void Kinesis_AsInTheExample_BindsEveryKey()
    {
        const string machine = """
            { "Gateway": { "Uplinks": { "Kinesis": {
                "Enabled": true, "StreamName": "farm-sensor-stream", "Region": "ap-northeast-2",
                "PartitionKey": "Random", "MaxBatchRecords": 250, "BatchInterval": "00:00:02" } } } }
            """;
        var options = ConfigLoad.Valid(ConfigLoad.RunWithMachineFile(_temp, machine));

        var kinesis = options.Uplinks.Kinesis;
        Assert.Equal(("farm-sensor-stream", "ap-northeast-2", PartitionKeySource.Random), (kinesis.StreamName, kinesis.Region, kinesis.PartitionKey));
        Assert.Equal((250, TimeSpan.FromSeconds(2)), (kinesis.MaxBatchRecords, kinesis.BatchInterval));
        Assert.Null(kinesis.ServiceUrl); // "" in the shipped file means "the region's endpoint"
        Assert.Equal(5L * 1024 * 1024, kinesis.MaxBatchBytes);
    }

    [Fact]
    public void Kinesis_WithoutStreamName_NamesTheKey()
    {
        var problem = ConfigLoad.SingleError(Kinesis("--Gateway:Uplinks:Kinesis:Region=eu-west-1"), "Gateway:Uplinks:Kinesis:StreamName", null);
        Assert.Contains("stream's name", problem.Message);
    }

    [Fact]
    public void Kinesis_WithoutRegion_SaysWhereARegionCanComeFrom_AndAwsRegionIsEnough()
    {
        var problem = ConfigLoad.SingleError(Kinesis("--Gateway:Uplinks:Kinesis:StreamName=s"), "Gateway:Uplinks:Kinesis:Region", null);
        Assert.Contains("AWS_REGION", problem.Message);

        Environment.SetEnvironmentVariable("AWS_REGION", "eu-central-1");
        ConfigLoad.Valid(Kinesis("--Gateway:Uplinks:Kinesis:StreamName=s"));
    }

    [Theory]
    [InlineData("Region", "Europe", "not an AWS region name")]
    [InlineData("StreamName", "farm stream", "1 to 128 characters")]
    [InlineData("MaxBatchRecords", "501", "between 1 and 500")]
    [InlineData("MaxBatchRecords", "0", "between 1 and 500")]
    [InlineData("MaxRecordBytes", "20971520", "10 MiB")]
    [InlineData("MaxBatchBytes", "1000", "between MaxRecordBytes")]
    [InlineData("BatchInterval", "00:10:00", "between 00:00:00")]
    [InlineData("RequestTimeout", "00:00:00", "between 00:00:01 and 00:02:00")]
    [InlineData("ServiceUrl", "kinesalite:4567", "absolute http(s) URL")]
    public void Kinesis_BadValue_NamesKeyValueAndWhatIsAllowed(string key, string value, string allowed)
    {
        var args = new Dictionary<string, string> { ["StreamName"] = "s", ["Region"] = "eu-west-1", [key] = value };
        var problem = ConfigLoad.SingleError(Kinesis([.. args.Select(a => $"--Gateway:Uplinks:Kinesis:{a.Key}={a.Value}")]),
            $"Gateway:Uplinks:Kinesis:{key}", value);
        Assert.Contains(allowed, problem.Message);
    }

    [Fact]
    public void Kinesis_Disabled_IsNotChecked()
    {
        ConfigLoad.Valid(ConfigLoad.Run(_temp, "--Gateway:Uplinks:Kinesis:MaxBatchRecords=9999"));
    }

    [Fact]
    public void Kinesis_AloneWithTheFileUplinkOff_IsEnoughOfAnUplink()
    {
        ConfigLoad.Valid(Kinesis("--Gateway:Uplinks:Kinesis:StreamName=s", "--Gateway:Uplinks:Kinesis:Region=eu-west-1",
            "--Gateway:Uplinks:File:Enabled=false"));
    }

    [Fact]
    public void ApiGateway_ApiKeyMissing_SaysToUseTheEnvironmentFile()
    {
        var problem = ConfigLoad.SingleError(Api("--Gateway:Uplinks:ApiGateway:Url=https://abc.execute-api.eu-west-1.amazonaws.com/prod/readings"),
            "Gateway:Uplinks:ApiGateway:ApiKey", null);
        Assert.Contains("Gateway__Uplinks__ApiGateway__ApiKey", problem.Message);
    }

    [Fact]
    public void ApiGateway_BadUrl_IsNotEchoedWithTheKey_AndTheKeyIsMasked()
    {
        var result = Api("--Gateway:Uplinks:ApiGateway:Url=http://example.com/readings", "--Gateway:Uplinks:ApiGateway:ApiKey=s3cr3t-key");

        var problem = ConfigLoad.SingleError(result, "Gateway:Uplinks:ApiGateway:Url", "http://example.com/readings");
        Assert.Contains("must use https", problem.Message);
        Assert.DoesNotContain("s3cr3t-key", string.Join("\n", result.Errors.Concat(result.Warnings).Select(p => p.ToString())));
    }

    [Fact]
    public void ApiGateway_HttpToLocalhost_IsAllowedForTesting()
    {
        var options = ConfigLoad.Valid(Api("--Gateway:Uplinks:ApiGateway:Url=http://127.0.0.1:8080/readings", "--Gateway:Uplinks:ApiGateway:Auth=None"));
        Assert.Equal(ApiGatewayAuth.None, options.Uplinks.ApiGateway.Auth);
    }

    [Fact]
    public void ApiGateway_Iam_TakesTheRegionFromTheExecuteApiUrl()
    {
        ConfigLoad.Valid(Api("--Gateway:Uplinks:ApiGateway:Url=https://abc123.execute-api.ap-northeast-2.amazonaws.com/prod/readings",
            "--Gateway:Uplinks:ApiGateway:Auth=Iam"));
        var problem = ConfigLoad.SingleError(Api("--Gateway:Uplinks:ApiGateway:Url=https://readings.example.com/", "--Gateway:Uplinks:ApiGateway:Auth=Iam"),
            "Gateway:Uplinks:ApiGateway:Region", null);
        Assert.Contains("IAM signing needs a region", problem.Message);
    }

    [Theory]
    [InlineData("MaxBatchBytes", "7000000", "6 MB payload limit")]
    [InlineData("Auth", "Basic", "ApiKey, Iam, None")]
    public void ApiGateway_BadValue_NamesKeyAndWhatIsAllowed(string key, string value, string allowed)
    {
        var result = Api("--Gateway:Uplinks:ApiGateway:Url=https://x.example.com/", "--Gateway:Uplinks:ApiGateway:ApiKey=k",
            $"--Gateway:Uplinks:ApiGateway:{key}={value}");
        var problem = Assert.Single(result.Errors);
        Assert.Equal($"Gateway:Uplinks:ApiGateway:{key}", problem.Key);
        Assert.Contains(allowed, problem.Message);
    }

    [Fact]
    public void NoUplinkEnabled_NamesTheUplinksThatExist()
    {
        var problem = ConfigLoad.SingleError(ConfigLoad.Run(_temp, "--Gateway:Uplinks:File:Enabled=false"), "Gateway:Uplinks", null);
        Assert.Contains("File (the local default), Kinesis, ApiGateway", problem.Message);
    }
}
