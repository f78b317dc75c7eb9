using System.Globalization;
using FarmGateway.Mqtt;
using FarmGateway.Mqtt.Packets;

namespace FarmGateway.Configuration;

/// <summary>The rules for <c>Gateway:Mqtt</c>, checked only when the gateway uses the broker (Publish or Ingest).</summary>
public sealed partial class GatewayOptionsValidator
{
    public static readonly TimeSpan MinKeepAlive = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaxKeepAlive = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan MinHealthInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaxHealthInterval = TimeSpan.FromHours(1);

    private static void CheckIngest(List<ConfigProblem> problems, MqttOptions mqtt)
    {
        for (var i = 0; i < mqtt.Ingest.Count; i++)
        {
            var rule = mqtt.Ingest[i];
            var key = $"{GatewayOptions.SectionName}:Mqtt:Ingest:{i}";
            if (rule.Topic is not { } topic)
            {
                problems.Add(new($"{key}:Topic", null, "is missing; a topic filter such as esp/+/sensor"));
                continue;
            }
            if (MqttTopic.CheckFilter(topic) is { } filterProblem)
                problems.Add(new($"{key}:Topic", topic, filterProblem));
            var levels = topic.Split('/');
            if (rule.SensorFromTopicLevel is not { } level)
                problems.Add(new($"{key}:SensorFromTopicLevel", null, "is missing; the topic level (1 = first) that holds the sensor name, e.g. 2 for esp/<name>/sensor"));
            else if (level < 1 || level > levels.Length || levels[level - 1] == "#")
                problems.Add(new($"{key}:SensorFromTopicLevel", level.ToString(CultureInfo.InvariantCulture),
                    $"must point at one of the {levels.Length} level(s) of {topic} (1 = first), not at '#'"));
            if (rule.Format == FarmGateway.Mqtt.Ingest.IngestFormat.Number && rule.Metric is null)
                problems.Add(new($"{key}:Metric", null, "is missing; with Format Number say which metric the number is: Temperature, Humidity, Co2, Pressure"));
            if (rule.Format == FarmGateway.Mqtt.Ingest.IngestFormat.Json && rule.Metric is { } metric)
                problems.Add(new($"{key}:Metric", metric.ToString(), "applies only to Format Number; a JSON payload names its metrics"));
            if (string.IsNullOrWhiteSpace(rule.Model) || rule.Model.Length > 32 || rule.Model.Any(char.IsControl))
                problems.Add(new($"{key}:Model", rule.Model, "must be 1 to 32 printable characters"));
            // The gateway's own live topics must not come back in as readings.
            if (mqtt.Publish.TopicPrefix is { } prefix
                && new[] { $"{prefix}/sensor/state", $"{prefix}/health", $"{prefix}/status", $"{prefix}/alarm" }.Any(own => MqttTopic.Matches(topic, own)))
                problems.Add(new($"{key}:Topic", topic, $"also matches the gateway's own live topics below {prefix}; pick a filter that does not"));
        }
    }

    private static void CheckMqtt(List<ConfigProblem> problems, MqttOptions mqtt)
    {
        if (!mqtt.Enabled) return;
        const string broker = $"{GatewayOptions.SectionName}:Mqtt:Broker";
        const string publish = $"{GatewayOptions.SectionName}:Mqtt:Publish";
        var b = mqtt.Broker;
        if (b.Host is { } host && Uri.CheckHostName(host) == UriHostNameType.Unknown)
            problems.Add(new($"{broker}:Host", host, "is not a host name or IP address"));
        if (b.Port is < 1 or > 65535)
            problems.Add(new($"{broker}:Port", b.Port?.ToString(CultureInfo.InvariantCulture), "must be between 1 and 65535 (1883 plain, 8883 TLS)"));
        if (b.Password is not null && b.Username is null)
            problems.Add(new($"{broker}:Username", null, "is missing; a Password needs a Username"));
        if ((b.CertificateFile is null) != (b.PrivateKeyFile is null))
            problems.Add(new($"{broker}:{(b.CertificateFile is null ? "CertificateFile" : "PrivateKeyFile")}", null,
                "is missing; CertificateFile and PrivateKeyFile go together"));
        if (!b.Tls && (b.CaFile ?? b.CertificateFile) is { } tlsFile)
            problems.Add(new($"{broker}:Tls", "false", $"must be true when CaFile or CertificateFile is set ({tlsFile})"));
        foreach (var (key, file) in new[] { ("CaFile", b.CaFile), ("CertificateFile", b.CertificateFile), ("PrivateKeyFile", b.PrivateKeyFile) })
        {
            if (file is not null && !Path.IsPathFullyQualified(file))
                problems.Add(new($"{broker}:{key}", file, "must be an absolute path, e.g. /etc/farm-gateway/certs/ca.pem"));
        }
        if (b.ClientId is { } id && MqttString.Check(id) is { } idProblem)
            problems.Add(new($"{broker}:ClientId", id, idProblem));
        if (b.KeepAlive < MinKeepAlive || b.KeepAlive > MaxKeepAlive || b.KeepAlive.Ticks % TimeSpan.TicksPerSecond != 0)
            problems.Add(new($"{broker}:KeepAlive", Duration(b.KeepAlive), $"must be whole seconds between {Duration(MinKeepAlive)} and {Duration(MaxKeepAlive)}"));

        if (b.Username is { } user && MqttString.Check(user) is { } userProblem)
            problems.Add(new($"{broker}:Username", user, userProblem));
        CheckIngest(problems, mqtt);
        var p = mqtt.Publish;
        // The availability topic (the last will) is below the prefix even when only ingest is on.
        if (p.TopicPrefix is { } prefix && MqttTopic.CheckName(prefix) is { } prefixProblem)
            problems.Add(new($"{publish}:TopicPrefix", prefix, $"{prefixProblem}; e.g. farm/barn-3"));
        if (!p.Enabled) return;
        if (MqttTopic.CheckName(p.DiscoveryPrefix) is { } discoveryProblem)
            problems.Add(new($"{publish}:DiscoveryPrefix", p.DiscoveryPrefix, $"{discoveryProblem}; Home Assistant's default is homeassistant"));
        if (p.HealthInterval < MinHealthInterval || p.HealthInterval > MaxHealthInterval)
            problems.Add(new($"{publish}:HealthInterval", Duration(p.HealthInterval),
                $"must be between {Duration(MinHealthInterval)} and {Duration(MaxHealthInterval)}"));
    }
}
