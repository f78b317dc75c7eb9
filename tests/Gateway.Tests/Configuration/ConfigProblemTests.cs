using FarmGateway.Configuration;

namespace FarmGateway.Tests.Configuration;

public sealed class ConfigProblemTests
{
    [Theory]
    [InlineData("Gateway:Mqtt:Password")]
    [InlineData("Gateway:Uplinks:Http:ApiKey")]
    [InlineData("Gateway:Uplinks:Kinesis:Secret")]
    [InlineData("Gateway:Uplinks:Kinesis:SecretAccessKey")]
    [InlineData("Gateway:Uplinks:Http:Token")]
    [InlineData("Gateway:Uplinks:Http:BearerToken")]
    [InlineData("Gateway:Mqtt:password")]
    [InlineData("GATEWAY:MQTT:APIKEY")]
    public void ToString_SecretKey_ShowsStarsNotTheValue(string key)
    {
        var problem = new ConfigProblem(key, "hunter2-s3cr3t", "is too short");

        var text = problem.ToString();

        Assert.Equal($"{key} = '***': is too short", text);
        Assert.DoesNotContain("hunter2", text);
    }

    [Theory]
    [InlineData("Gateway:Id", "barn 1")]
    [InlineData("Gateway:Sensors:0:Name", "token-sensor")]
    public void ToString_OrdinaryKey_QuotesTheValue(string key, string value)
    {
        var problem = new ConfigProblem(key, value, "is not a valid name");

        Assert.Equal($"{key} = '{value}': is not a valid name", problem.ToString());
    }

    [Fact]
    public void ToString_NoValue_ShowsKeyAndMessageOnly()
    {
        var problem = new ConfigProblem("Gateway:Sensors:0:Type", null, "is missing; allowed: Simulated");

        Assert.Equal("Gateway:Sensors:0:Type: is missing; allowed: Simulated", problem.ToString());
    }

    [Fact]
    public void Display_SecretWordOnlyInParentSection_ShowsTheValue()
    {
        // Only the last named segment decides; a section named after a secret does not hide ordinary values.
        Assert.Equal("30", ConfigProblem.Display("Gateway:TokenRefresh:Minutes", "30"));
    }

    [Fact]
    public void Display_EntryOfAListOfSecrets_IsHidden()
    {
        Assert.Equal("***", ConfigProblem.Display("Gateway:Mqtt:Tokens:0", "abc"));
    }
}
