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
}
