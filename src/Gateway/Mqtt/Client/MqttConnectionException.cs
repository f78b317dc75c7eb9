namespace FarmGateway.Mqtt.Client;

/// <summary>
/// Ends one connection attempt or connection with an operator-readable reason. It never leaves
/// <see cref="MqttClient"/>: the connection loop is the one place that turns it into a state,
/// a log line and a retry.
/// </summary>
internal sealed class MqttConnectionException(string reason, Exception? inner = null) : Exception(reason, inner)
{
    public string Reason { get; } = reason;
}
