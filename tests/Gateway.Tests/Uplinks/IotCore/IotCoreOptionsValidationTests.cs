using FarmGateway.Configuration;
using FarmGateway.Uplinks.IotCore;

namespace FarmGateway.Tests.Uplinks.IotCore;

/// <summary>The rules of <c>Gateway:Uplinks:IotCore</c>, through the gateway's whole validator.</summary>
public sealed class IotCoreOptionsValidationTests
{
    private const string Key = "Gateway:Uplinks:IotCore";

    private static List<ConfigProblem> Check(Action<IotCoreUplinkOptions>? change = null)
    {
        var options = new IotCoreUplinkOptions
        {
            Enabled = true,
            Endpoint = "a1b2c3d4e5f6g7-ats.iot.ap-northeast-2.amazonaws.com",
            Topic = "farm/barn-3/readings",
            CertificateFile = "/etc/farm-gateway/iot/certificate.pem.crt",
            PrivateKeyFile = "/etc/farm-gateway/iot/private.pem.key",
        };
        change?.Invoke(options);
        var gateway = new GatewayOptions { Id = "barn-3", DataDirectory = "/var/lib/farm-gateway" };
        gateway.Uplinks.IotCore = options;
        GatewayOptionsDefaults.Apply(gateway);
        return [.. GatewayOptionsValidator.Check(gateway).Where(p => p.Key.StartsWith(Key, StringComparison.Ordinal))];
    }

    private static ConfigProblem Only(List<ConfigProblem> problems) => Assert.Single(problems);

    [Fact]
    public void CheckIotCore_Defaults_HaveNoProblem() => Assert.Empty(Check());

    [Fact]
    public void CheckIotCore_Disabled_ChecksNothing() => Assert.Empty(Check(o => (o.Enabled, o.Endpoint, o.Topic, o.MaxInFlight) = (false, null, null, 0)));

    [Fact]
    public void CheckIotCore_NothingSet_ReportsEveryRequiredKey()
    {
        var problems = Check(o => (o.Endpoint, o.Topic, o.CertificateFile, o.PrivateKeyFile) = (null, " ", null, null));

        Assert.Equal([$"{Key}:Endpoint", $"{Key}:Topic", $"{Key}:CertificateFile", $"{Key}:PrivateKeyFile"], problems.Select(p => p.Key));
        Assert.All(problems, p => Assert.Contains("is missing", p.Message));
    }

    [Theory]
    [InlineData("https://a1b2c3-ats.iot.eu-west-1.amazonaws.com")]
    [InlineData("a1b2c3-ats.iot.eu-west-1.amazonaws.com:8883")]
    public void CheckIotCore_EndpointNotAHostName_SaysHostNameOnly(string endpoint)
    {
        var problem = Only(Check(o => o.Endpoint = endpoint));

        Assert.Equal(($"{Key}:Endpoint", endpoint), (problem.Key, problem.Value));
        Assert.Contains("host name only", problem.Message);
    }

    [Theory]
    [InlineData("farm/+/readings", "wildcard")]
    [InlineData("farm/#", "wildcard")]
    [InlineData("a/b/c/d/e/f/g/h/i", "8 slashes")]
    [InlineData("$aws/things/barn-3/shadow/update", "reserves")]
    [InlineData("$aws/rules/", "names no rule")]
    public void CheckIotCore_TopicIotCoreWouldRefuse_IsReported(string topic, string why)
    {
        var problem = Only(Check(o => o.Topic = topic));

        Assert.Equal(($"{Key}:Topic", topic), (problem.Key, problem.Value));
        Assert.Contains(why, problem.Message);
    }

    [Theory]
    [InlineData("farm/barn-3/readings")]
    [InlineData("a/b/c/d/e/f/g/h")]
    [InlineData("$aws/rules/barn_readings/a/b/c/d/e/f/g/h")] // Basic Ingest: the prefix does not count
    public void TopicProblem_TopicIotCoreTakes_IsNull(string topic) => Assert.Null(GatewayOptionsValidator.TopicProblem(topic));

    [Fact]
    public void TopicProblem_Over256Bytes_IsReported() =>
        Assert.Contains("257 bytes", GatewayOptionsValidator.TopicProblem(new string('t', 257)));

    [Fact]
    public void CheckIotCore_RelativeCertificatePath_AsksForAnAbsolutePath()
    {
        var problem = Only(Check(o => o.CertificateFile = "certs/device.pem.crt"));

        Assert.Equal(($"{Key}:CertificateFile", "certs/device.pem.crt"), (problem.Key, problem.Value));
        Assert.Contains("absolute path", problem.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void CheckIotCore_MaxInFlightOutsideIotCoresLimit_IsReported(int inFlight)
    {
        var problem = Only(Check(o => o.MaxInFlight = inFlight));

        Assert.Equal($"{Key}:MaxInFlight", problem.Key);
        Assert.Contains("between 1 and 100", problem.Message);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(1201)]
    public void CheckIotCore_KeepAliveOutsideWhatIotCoreAccepts_IsReported(int seconds)
    {
        var problem = Only(Check(o => o.KeepAlive = TimeSpan.FromSeconds(seconds)));

        Assert.Equal($"{Key}:KeepAlive", problem.Key);
        Assert.Contains("between 00:00:30 and 00:20:00", problem.Message);
    }

    [Fact]
    public void CheckIotCore_OtherBadValues_EachQuoteTheValue()
    {
        var problems = Check(o =>
        {
            o.Port = 0;
            o.ClientId = new string('c', 129);
            o.MaxBatchRecords = 0;
            o.BatchInterval = TimeSpan.FromMinutes(10);
            o.AckTimeout = TimeSpan.Zero;
            o.Alpn = " ";
        });

        Assert.Equal(
            [$"{Key}:Port", $"{Key}:Alpn", $"{Key}:ClientId", $"{Key}:MaxBatchRecords", $"{Key}:BatchInterval", $"{Key}:AckTimeout"],
            problems.Select(p => p.Key));
        Assert.All(problems, p => Assert.NotNull(p.Value));
    }
}
