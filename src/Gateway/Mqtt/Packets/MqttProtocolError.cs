namespace FarmGateway.Mqtt.Packets;

/// <summary>
/// Why a byte stream from the server is not valid MQTT 3.1.1. The connection it came from
/// cannot be trusted any more and is closed [MQTT-4.8.0-1].
/// </summary>
public sealed record MqttProtocolError(string Reason)
{
    public override string ToString() => Reason;
}
