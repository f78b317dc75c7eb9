using Microsoft.Extensions.Logging;

namespace FarmGateway.Mqtt;

/// <summary>Live publishing log events, ids 5050-5099. What is published is not logged (throughput belongs in metrics).</summary>
internal static partial class MqttPublishLog
{
    [LoggerMessage(5050, LogLevel.Warning, "MQTT on-connected step failed; the connection stays up and the next reconnect tries again")]
    public static partial void ConnectedHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(5051, LogLevel.Information, "Live values go to {Endpoint} below {Prefix}; Home Assistant discovery {Discovery}")]
    public static partial void Publishing(ILogger logger, string endpoint, string prefix, string discovery);

    [LoggerMessage(5052, LogLevel.Information, "Home Assistant entities of {Count} removed sensor metric(s) deleted: {Topics}")]
    public static partial void StaleRemoved(ILogger logger, int count, string topics);

    [LoggerMessage(5053, LogLevel.Debug, "Live publish to {Topic} not done: {Status} {Reason}")]
    public static partial void PublishSkipped(ILogger logger, string topic, string status, string? reason);

    [LoggerMessage(5054, LogLevel.Warning, "MQTT message on {Topic} matches no configured ingest topic and is dropped; a subscription left from an earlier configuration? ({Suppressed} more not logged)")]
    public static partial void Unrouted(ILogger logger, string topic, int suppressed);
}
