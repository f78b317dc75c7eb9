using Microsoft.Extensions.Logging;

namespace FarmGateway.Mqtt.Ingest;

/// <summary>MQTT ingest log events, ids 5100-5149. Payload contents are not logged beyond the reason.</summary>
internal static partial class MqttIngestLog
{
    [LoggerMessage(5100, LogLevel.Information, "MQTT ingest subscribed to {Filters} (QoS 1, persistent session)")]
    public static partial void Subscribed(ILogger logger, string filters);

    [LoggerMessage(5101, LogLevel.Error, "MQTT ingest subscription failed: {Reason}; readings from these topics are not received until the next reconnect")]
    public static partial void SubscribeFailed(ILogger logger, string reason);

    [LoggerMessage(5102, LogLevel.Warning, "MQTT message on {Topic} dropped: {Reason} ({Suppressed} more from this topic not logged)")]
    public static partial void Refused(ILogger logger, string topic, string reason, int suppressed);

    [LoggerMessage(5103, LogLevel.Debug, "MQTT retained message on {Topic} skipped: the broker replays a node's last value on subscribe, it is not a new reading")]
    public static partial void RetainedSkipped(ILogger logger, string topic);
}
