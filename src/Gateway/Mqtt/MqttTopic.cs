namespace FarmGateway.Mqtt;

/// <summary>
/// MQTT 3.1.1 topic rules (section 4.7): which topics a filter matches, and valid names and
/// filters. The broker does the matching for subscriptions; the gateway needs it to tell which
/// of its ingest rules an incoming message belongs to.
/// </summary>
public static class MqttTopic
{
    /// <summary>Topic names and filters are at most 65,535 bytes of UTF-8 [MQTT-4.7.3-3].</summary>
    public const int MaxBytes = 65_535;

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

    /// <summary>Null when <paramref name="filter"/> is a valid subscription filter; otherwise what is wrong.</summary>
    public static string? CheckFilter(string filter)
    {
        if (CheckCommon(filter) is { } problem) return problem;
        var levels = filter.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            var level = levels[i];
            if (level.Contains('#') && (level != "#" || i != levels.Length - 1))
                return "'#' must be a whole level and the last one, as in farm/#";
            if (level.Contains('+') && level != "+")
                return "'+' must be a whole level, as in esp/+/sensor";
        }
        return null;
    }

    /// <summary>Null when <paramref name="topic"/> is a valid topic to publish to; otherwise what is wrong.</summary>
    public static string? CheckName(string topic) =>
        CheckCommon(topic) ?? (topic.AsSpan().IndexOfAny('+', '#') >= 0 ? "a topic to publish to cannot contain '+' or '#'" : null);

    /// <summary>Level <paramref name="level"/> (1 = first) of <paramref name="topic"/>, or null when it has fewer levels.</summary>
    public static string? Level(string topic, int level)
    {
        var levels = topic.Split('/');
        return level >= 1 && level <= levels.Length ? levels[level - 1] : null;
    }

    private static string? CheckCommon(string value)
    {
        if (value.Length == 0) return "must not be empty";
        if (value.Contains('\0')) return "must not contain the null character";
        if (System.Text.Encoding.UTF8.GetByteCount(value) > MaxBytes) return $"must be at most {MaxBytes} bytes";
        return null;
    }
}
