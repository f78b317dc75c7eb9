using FarmGateway.Configuration;

namespace FarmGateway.Tests.Configuration;

/// <summary>The Gateway:Mqtt section as a technician writes it: checked only when publishing is on.</summary>
[Collection(EnvironmentCollection.Name)]
public sealed class MqttOptionsValidationTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private ConfigLoadResult Mqtt(params string[] args) =>
        ConfigLoad.Run(_temp, ["--Gateway:Id=barn-3", "--Gateway:Mqtt:Publish:Enabled=true", .. args]);

    [Fact]
    public void Enabled_WithNothingElse_PublishesBelowFarmIdToLocalhostAsFarmGatewayId()
    {
        var options = ConfigLoad.Valid(Mqtt());

        Assert.Equal("farm/barn-3", options.Mqtt.Publish.TopicPrefix);
        Assert.Equal("farm-gateway-barn-3", options.Mqtt.Broker.ClientId);
        var client = options.Mqtt.Broker.ToClientOptions(null);
        Assert.Equal(("localhost", 1883, false), (client.Host, client.Port, client.Tls));
        Assert.Equal(8883, ConfigLoad.Valid(Mqtt("--Gateway:Mqtt:Broker:Tls=true")).Mqtt.Broker.ToClientOptions(null).Port);
        Assert.Empty(client.Validate());
    }

    [Fact]
    public void Disabled_BadValuesAreNotChecked()
    {
        ConfigLoad.Valid(ConfigLoad.Run(_temp, "--Gateway:Mqtt:Publish:TopicPrefix=farm/#"));
    }

    [Theory]
    [InlineData("Publish:TopicPrefix", "farm/+/x", "wildcard")]
    [InlineData("Publish:HealthInterval", "00:00:01", "between 00:00:05 and 01:00:00")]
    [InlineData("Broker:Port", "70000", "between 1 and 65535")]
    [InlineData("Broker:KeepAlive", "00:00:01", "whole seconds between 00:00:05 and 00:30:00")]
    [InlineData("Broker:Host", "barn broker", "not a host name or IP address")]
    public void BadValue_IsNamedWithWhatIsAllowed(string key, string value, string allowed)
    {
        var problem = ConfigLoad.SingleError(Mqtt($"--Gateway:Mqtt:{key}={value}"), $"Gateway:Mqtt:{key}", value);
        Assert.Contains(allowed, problem.Message);
    }

    [Fact]
    public void CertificateWithoutKey_OrWithoutTls_AndPasswordWithoutUser_AreRefused()
    {
        var result = Mqtt("--Gateway:Mqtt:Broker:CertificateFile=/etc/farm-gateway/certs/device.pem", "--Gateway:Mqtt:Broker:Password=secret");

        Assert.Contains(result.Errors, e => e.Key == "Gateway:Mqtt:Broker:PrivateKeyFile" && e.Message.Contains("go together"));
        Assert.Contains(result.Errors, e => e.Key == "Gateway:Mqtt:Broker:Tls" && e.Message.Contains("must be true"));
        Assert.Contains(result.Errors, e => e.Key == "Gateway:Mqtt:Broker:Username" && e.Message.Contains("a Password needs a Username"));
        Assert.DoesNotContain(result.Errors, e => e.ToString().Contains("secret", StringComparison.Ordinal));
    }

    private ConfigLoadResult Ingest(params string[] args) =>
        ConfigLoad.Run(_temp, ["--Gateway:Id=barn-3", "--Gateway:Mqtt:Ingest:0:Topic=esp/+/sensor", "--Gateway:Mqtt:Ingest:0:SensorFromTopicLevel=2", .. args]);

    [Fact]
    public void Ingest_AloneTurnsMqttOn_WithAPersistentSession()
    {
        var options = ConfigLoad.Valid(Ingest());

        Assert.True(options.Mqtt.Enabled);
        Assert.False(options.Mqtt.Publish.Enabled);
        Assert.False(options.Mqtt.Broker.ToClientOptions(null, persistentSession: options.Mqtt.Ingest.Count > 0).CleanSession);
        Assert.Equal(FarmGateway.Mqtt.Ingest.IngestFormat.Json, options.Mqtt.Ingest[0].Format);
    }

    [Theory]
    [InlineData("--Gateway:Mqtt:Ingest:0:SensorFromTopicLevel=4", "Gateway:Mqtt:Ingest:0:SensorFromTopicLevel", "4", "one of the 3 level(s) of esp/+/sensor")]
    [InlineData("--Gateway:Mqtt:Ingest:0:Topic=esp/+/x#", "Gateway:Mqtt:Ingest:0:Topic", "esp/+/x#", "'#' must be a whole level and the last one")]
    [InlineData("--Gateway:Mqtt:Ingest:0:Format=Number", "Gateway:Mqtt:Ingest:0:Metric", null, "with Format Number say which metric")]
    [InlineData("--Gateway:Mqtt:Ingest:0:Metric=Co2", "Gateway:Mqtt:Ingest:0:Metric", "Co2", "applies only to Format Number")]
    public void Ingest_BadRule_IsNamedWithWhatIsAllowed(string arg, string key, string? value, string allowed)
    {
        var problem = ConfigLoad.SingleError(Ingest(arg), key, value);
        Assert.Contains(allowed, problem.Message);
    }

    [Fact]
    public void Ingest_FilterThatMatchesTheGatewaysOwnLiveTopics_IsRefused()
    {
        var problem = ConfigLoad.SingleError(
            Ingest("--Gateway:Mqtt:Ingest:0:Topic=farm/+/+/state", "--Gateway:Mqtt:Publish:Enabled=true"),
            "Gateway:Mqtt:Ingest:0:Topic", "farm/+/+/state");
        Assert.Contains("also matches the gateway's own live topics below farm/barn-3", problem.Message);
    }

    [Fact]
    public void Ingest_Alone_StillChecksTheTopicPrefix_ItHoldsTheLastWill()
    {
        var problem = ConfigLoad.SingleError(Ingest("--Gateway:Mqtt:Publish:TopicPrefix=farm/#"), "Gateway:Mqtt:Publish:TopicPrefix", "farm/#");
        Assert.Contains("wildcard", problem.Message);
    }
}
