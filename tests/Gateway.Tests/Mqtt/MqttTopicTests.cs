using FarmGateway.Mqtt.Packets;

namespace FarmGateway.Tests.Mqtt;

public sealed class MqttTopicTests
{
    [Theory]
    [InlineData("esp/+/sensor", "esp/barn1/sensor", true)]
    [InlineData("esp/+/sensor", "esp/barn1/other", false)]
    [InlineData("esp/+/sensor", "esp/sensor", false)]
    [InlineData("esp/#", "esp", true)]
    [InlineData("esp/#", "esp/a/b/c", true)]
    [InlineData("#", "anything/at/all", true)]
    [InlineData("#", "$SYS/broker/uptime", false)]
    [InlineData("+/broker", "$SYS/broker", false)]
    [InlineData("$SYS/#", "$SYS/broker", true)]
    [InlineData("esp/+", "esp/", true)]
    [InlineData("a/b", "a/b/c", false)]
    public void Matches_FollowsSection4_7(string filter, string topic, bool matches)
    {
        Assert.Equal(matches, MqttTopic.Matches(filter, topic));
    }

    [Theory]
    [InlineData("esp/+/sensor", null)]
    [InlineData("farm/#", null)]
    [InlineData("farm/#/x", "'#' must be a whole level and the last one")]
    [InlineData("farm/a#", "'#' must be a whole level and the last one")]
    [InlineData("farm/a+", "'+' must be a whole level")]
    [InlineData("", "topic filter is empty")]
    public void CheckFilter_SaysWhatIsWrong(string filter, string? problem)
    {
        var found = MqttTopic.CheckFilter(filter);
        if (problem is null) Assert.Null(found);
        else Assert.Contains(problem, found);
    }

    [Fact]
    public void CheckName_RefusesWildcards_AndLevelCountsFromOne()
    {
        Assert.Null(MqttTopic.CheckName("farm/barn-3/barn3-co2/state"));
        Assert.Contains("contains a wildcard", MqttTopic.CheckName("farm/+/state"));
        Assert.Equal("barn1", MqttTopic.Level("esp/barn1/sensor", 2));
        Assert.Null(MqttTopic.Level("esp/barn1/sensor", 4));
        Assert.Null(MqttTopic.Level("esp/barn1/sensor", 0));
    }
}
