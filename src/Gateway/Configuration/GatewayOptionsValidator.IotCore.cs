using System.Text;
using FarmGateway.Mqtt.Packets;
using FarmGateway.Uplinks.IotCore;

namespace FarmGateway.Configuration;

// Rules of Gateway:Uplinks:IotCore, checked only when the uplink is enabled. AWS IoT Core's own
// limits are the constants of IotCoreUplinkOptions.
public sealed partial class GatewayOptionsValidator
{
    public const int MaxIotCoreBatchRecords = 1000;
    public static readonly TimeSpan MinAckTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxAckTimeout = TimeSpan.FromMinutes(5);
    private const string BasicIngestPrefix = "$aws/rules/";

    private static void CheckIotCore(List<ConfigProblem> problems, IotCoreUplinkOptions iot)
    {
        const string key = $"{GatewayOptions.SectionName}:Uplinks:IotCore";
        if (!iot.Enabled) return;

        if (string.IsNullOrWhiteSpace(iot.Endpoint))
            problems.Add(new($"{key}:Endpoint", null,
                "is missing; the IoT Core uplink needs the account's device data endpoint (aws iot describe-endpoint --endpoint-type iot:Data-ATS), e.g. a1b2c3d4e5f6g7-ats.iot.ap-northeast-2.amazonaws.com"));
        else if (Uri.CheckHostName(iot.Endpoint.Trim()) == UriHostNameType.Unknown)
            problems.Add(new($"{key}:Endpoint", iot.Endpoint,
                "must be a host name only (no https://, port or path), e.g. a1b2c3d4e5f6g7-ats.iot.ap-northeast-2.amazonaws.com"));

        if (iot.Port is < 1 or > 65535)
            problems.Add(new($"{key}:Port", Number(iot.Port), "must be between 1 and 65535: 8883 (MQTT over TLS), or 443 with ALPN x-amzn-mqtt-ca"));
        if (iot.Alpn is { } alpn && (alpn.Trim().Length == 0 || Encoding.UTF8.GetByteCount(alpn.Trim()) > 255))
            problems.Add(new($"{key}:Alpn", alpn, "must be 1 to 255 bytes (x-amzn-mqtt-ca for AWS IoT Core on port 443), or left out"));

        if (iot.ClientId is { } clientId)
        {
            if (clientId.Trim().Length == 0)
                problems.Add(new($"{key}:ClientId", clientId, "is blank; leave it out to use Gateway:Id"));
            else if (MqttString.Check(clientId) is { } idProblem)
                problems.Add(new($"{key}:ClientId", clientId, idProblem));
            else if (Encoding.UTF8.GetByteCount(clientId.Trim()) > IotCoreUplinkOptions.MaxClientIdBytes)
                problems.Add(new($"{key}:ClientId", clientId, $"is longer than {IotCoreUplinkOptions.MaxClientIdBytes} bytes, AWS IoT Core's limit"));
        }

        if (string.IsNullOrWhiteSpace(iot.Topic))
            problems.Add(new($"{key}:Topic", null, "is missing; the topic records are published to, e.g. farm/barn-3/readings (the IoT rule selects it)"));
        else if (TopicProblem(iot.Topic.Trim()) is { } topicProblem)
            problems.Add(new($"{key}:Topic", iot.Topic, topicProblem));

        CheckPemFile(problems, $"{key}:CertificateFile", iot.CertificateFile, required: true,
            "the device certificate registered in AWS IoT Core", "/etc/farm-gateway/iot/certificate.pem.crt");
        CheckPemFile(problems, $"{key}:PrivateKeyFile", iot.PrivateKeyFile, required: true,
            "the device certificate's private key", "/etc/farm-gateway/iot/private.pem.key");
        CheckPemFile(problems, $"{key}:CaFile", iot.CaFile, required: false,
            "the CA of IoT Core's server certificate (leave it out to use the system's CAs)", "/etc/farm-gateway/iot/AmazonRootCA1.pem");

        if (iot.MaxBatchRecords is < 1 or > MaxIotCoreBatchRecords)
            problems.Add(new($"{key}:MaxBatchRecords", Number(iot.MaxBatchRecords),
                $"must be between 1 and {MaxIotCoreBatchRecords} (one message per record; IoT Core takes {IotCoreUplinkOptions.MaxPublishesPerSecond} per second per connection)"));
        if (iot.MaxInFlight is < 1 or > IotCoreUplinkOptions.MaxAllowedInFlight)
            problems.Add(new($"{key}:MaxInFlight", Number(iot.MaxInFlight),
                $"must be between 1 and {IotCoreUplinkOptions.MaxAllowedInFlight} (AWS IoT Core's limit of unacknowledged messages per client)"));
        if (iot.BatchInterval < TimeSpan.Zero || iot.BatchInterval > MaxBatchInterval)
            problems.Add(new($"{key}:BatchInterval", Duration(iot.BatchInterval),
                $"must be between 00:00:00 (send at every journal flush) and {Duration(MaxBatchInterval)}"));
        var keepAlive = IotCoreUplinkOptions.MinKeepAlive;
        if (iot.KeepAlive < keepAlive || iot.KeepAlive > IotCoreUplinkOptions.MaxKeepAlive || iot.KeepAlive.Ticks % TimeSpan.TicksPerSecond != 0)
            problems.Add(new($"{key}:KeepAlive", Duration(iot.KeepAlive),
                $"must be whole seconds between {Duration(keepAlive)} and {Duration(IotCoreUplinkOptions.MaxKeepAlive)} (what AWS IoT Core accepts)"));
        if (iot.AckTimeout < MinAckTimeout || iot.AckTimeout > MaxAckTimeout)
            problems.Add(new($"{key}:AckTimeout", Duration(iot.AckTimeout), $"must be between {Duration(MinAckTimeout)} and {Duration(MaxAckTimeout)}"));
    }

    /// <summary>Why AWS IoT Core would not take <paramref name="topic"/> as a topic to publish to; null when it would.</summary>
    internal static string? TopicProblem(string topic)
    {
        if (MqttTopic.CheckName(topic) is { } problem) return $"{problem}; e.g. farm/barn-3/readings";
        var bytes = Encoding.UTF8.GetByteCount(topic);
        if (bytes > IotCoreUplinkOptions.MaxTopicBytes)
            return $"is {bytes} bytes as UTF-8; AWS IoT Core takes at most {IotCoreUplinkOptions.MaxTopicBytes}";
        var counted = topic;
        if (topic.StartsWith(BasicIngestPrefix, StringComparison.Ordinal))
        {
            // Basic Ingest ($aws/rules/<rule>/...) goes straight to the rule; its prefix does not count.
            var ruleEnd = topic.IndexOf('/', BasicIngestPrefix.Length);
            if (ruleEnd <= BasicIngestPrefix.Length)
                return "names no rule: Basic Ingest topics are $aws/rules/<rule name>/<topic>";
            counted = topic[(ruleEnd + 1)..];
        }
        else if (topic.StartsWith('$'))
        {
            return "starts with $, which AWS IoT Core reserves (Basic Ingest $aws/rules/<rule name>/... is the exception)";
        }
        var slashes = counted.Count(c => c == '/');
        return slashes > IotCoreUplinkOptions.MaxTopicSlashes
            ? $"has {slashes} slashes; AWS IoT Core allows at most {IotCoreUplinkOptions.MaxTopicSlashes}"
            : null;
    }

    private static void CheckPemFile(List<ConfigProblem> problems, string key, string? file, bool required, string what, string example)
    {
        if (string.IsNullOrWhiteSpace(file))
        {
            if (required) problems.Add(new(key, null, $"is missing; the absolute path of {what}, a PEM file, e.g. {example}"));
        }
        else if (!Path.IsPathFullyQualified(file.Trim()))
        {
            problems.Add(new(key, file, $"must be an absolute path to {what}, e.g. {example}"));
        }
    }
}
