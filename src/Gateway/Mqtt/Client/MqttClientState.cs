namespace FarmGateway.Mqtt.Client;

public enum MqttClientState
{
    /// <summary>Not started yet, or between attempts after a failure (see <see cref="MqttClient.LastError"/>).</summary>
    Disconnected,

    /// <summary>An attempt is under way: TCP, TLS, CONNECT/CONNACK.</summary>
    Connecting,

    /// <summary>CONNACK accepted the session; publishes go out.</summary>
    Connected,

    /// <summary>Stopped or disposed; it does not connect again.</summary>
    Stopped,
}
