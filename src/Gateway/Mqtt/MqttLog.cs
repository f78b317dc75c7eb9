using Microsoft.Extensions.Logging;

namespace FarmGateway.Mqtt;

/// <summary>
/// MQTT client log events, ids 5000-5049. Connection trouble is logged once per change of
/// reason (a broker that is down all night gives one Warning, not one per retry); each retry
/// is Debug. Passwords and key material are never logged, only file names.
/// </summary>
internal static partial class MqttLog
{
    [LoggerMessage(5000, LogLevel.Information, "MQTT connected to {Endpoint} as {ClientId} (session present: {SessionPresent}); {Unacknowledged} unacknowledged QoS 1 message(s) to resend")]
    public static partial void Connected(ILogger logger, string endpoint, string clientId, bool sessionPresent, int unacknowledged);

    [LoggerMessage(5001, LogLevel.Warning, "MQTT cannot connect to {Endpoint}: {Reason}. Retrying with backoff until it works")]
    public static partial void ConnectFailed(ILogger logger, string endpoint, string reason);

    [LoggerMessage(5002, LogLevel.Warning, "MQTT connection to {Endpoint} lost: {Reason}. Reconnecting; unacknowledged QoS 1 messages are resent")]
    public static partial void ConnectionLost(ILogger logger, string endpoint, string reason);

    [LoggerMessage(5003, LogLevel.Debug, "MQTT attempt {Attempt} to {Endpoint} failed ({Reason}); next attempt in {Delay}")]
    public static partial void RetryScheduled(ILogger logger, int attempt, string endpoint, string reason, TimeSpan delay);

    [LoggerMessage(5004, LogLevel.Information, "MQTT client for {Endpoint} stopped ({Unacknowledged} QoS 1 message(s) were still unacknowledged)")]
    public static partial void Stopped(ILogger logger, string endpoint, int unacknowledged);

    [LoggerMessage(5005, LogLevel.Warning, "MQTT message handler failed for a QoS {Qos} message on {Topic}; it is not acknowledged, and the connection is dropped so the broker delivers it again")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, int qos, string topic);

    [LoggerMessage(5006, LogLevel.Warning, "MQTT on-connected callback failed; the connection stays up")]
    public static partial void ConnectedCallbackFailed(ILogger logger, Exception exception);

    [LoggerMessage(5007, LogLevel.Debug, "MQTT {Packet} for packet id {PacketId} that nothing waits for; ignored")]
    public static partial void UnexpectedAck(ILogger logger, string packet, int packetId);

    [LoggerMessage(5008, LogLevel.Debug, "MQTT connecting to {Endpoint} (attempt {Attempt})")]
    public static partial void Connecting(ILogger logger, string endpoint, int attempt);

    [LoggerMessage(5009, LogLevel.Warning, "MQTT client for {Endpoint} did not finish its connection loop within {Timeout} of stopping; stopped anyway")]
    public static partial void StopTimedOut(ILogger logger, string endpoint, TimeSpan timeout);
}
