namespace FarmGateway.Mqtt.Client;

/// <summary>CONNACK return codes (spec 3.2.2.3) in words an operator can act on.</summary>
internal static class MqttConnectRefusal
{
    public static string Describe(byte returnCode) => returnCode switch
    {
        1 => "connection refused: unacceptable protocol version (the broker does not speak MQTT 3.1.1)",
        2 => "connection refused: identifier rejected (check the client id)",
        3 => "connection refused: server unavailable",
        4 => "connection refused: bad user name or password",
        5 => "connection refused: not authorized (mosquitto also answers this to a wrong user name or password)",
        _ => $"connection refused with return code {returnCode}",
    };
}
