namespace FarmGateway.Mqtt.Packets;

/// <summary>Topic names and topic filters (spec 4.7): which are valid, and which topics a filter matches.</summary>
public static class MqttTopic
{
    /// <summary>Null when <paramref name="topic"/> is a valid topic name to publish to, otherwise why not.</summary>
    public static string? CheckName(string topic)
    {
        if (topic.Length == 0) return "topic name is empty [MQTT-4.7.3-1]";
        if (topic.AsSpan().IndexOfAny('+', '#') >= 0) return $"topic name '{topic}' contains a wildcard [MQTT-3.3.2-2]";
        return MqttString.Check(topic) is { } problem ? $"topic name {problem}" : null;
    }

    /// <summary>Null when <paramref name="filter"/> is a valid subscription filter, otherwise why not.</summary>
    public static string? CheckFilter(string filter)
    {
        if (filter.Length == 0) return "topic filter is empty [MQTT-4.7.3-1]";
        if (MqttString.Check(filter) is { } problem) return $"topic filter {problem}";
        var levels = filter.Split('/');
        for (var index = 0; index < levels.Length; index++)
        {
            var level = levels[index];
            if (level.Contains('#') && (level != "#" || index != levels.Length - 1))
                return $"topic filter '{filter}': '#' must be a whole level and the last one [MQTT-4.7.1-2]";
            if (level.Contains('+') && level != "+")
                return $"topic filter '{filter}': '+' must be a whole level [MQTT-4.7.1-3]";
        }
        return null;
    }

    /// <summary>True when <paramref name="topic"/> matches <paramref name="filter"/> ('+' one level, '#' the rest).</summary>
    public static bool Matches(string filter, string topic)
    {
        // Wildcards at the first level do not match topics starting with '$' [MQTT-4.7.2-1].
        if (topic.StartsWith('$') && (filter.StartsWith('+') || filter.StartsWith('#'))) return false;
        var filterLevels = filter.Split('/');
        var topicLevels = topic.Split('/');
        for (var i = 0; i < filterLevels.Length; i++)
        {
            if (filterLevels[i] == "#") return true; // also matches the parent level: "a/#" matches "a"
            if (i >= topicLevels.Length) return false;
            if (filterLevels[i] != "+" && filterLevels[i] != topicLevels[i]) return false;
        }
        return filterLevels.Length == topicLevels.Length;
    }

    /// <summary>Level <paramref name="level"/> (1 = first) of <paramref name="topic"/>, or null when it has fewer levels.</summary>
    public static string? Level(string topic, int level)
    {
        var levels = topic.Split('/');
        return level >= 1 && level <= levels.Length ? levels[level - 1] : null;
    }
}
