namespace FarmGateway.Mqtt.Packets;

/// <summary>What goes into a CONNECT packet (spec 3.1). <see cref="KeepAliveSeconds"/> 0 turns keepalive off.</summary>
public sealed record MqttConnectPacket(string ClientId, bool CleanSession, ushort KeepAliveSeconds)
{
    public string? Username { get; init; }

    /// <summary>Binary in the spec; UTF-8 here since passwords come from configuration text.</summary>
    public string? Password { get; init; }

    public MqttWillMessage? Will { get; init; }

    /// <summary>Never the password, so a record printed into a log cannot leak it.</summary>
    public override string ToString() =>
        $"CONNECT {{ ClientId = {ClientId}, CleanSession = {CleanSession}, KeepAlive = {KeepAliveSeconds} s, Username = {Username ?? "none"}, Password = {(Password is null ? "none" : "***")}, Will = {Will?.Topic ?? "none"} }}";
}

/// <summary>The last will the server publishes when the connection ends without a DISCONNECT (spec 3.1.2.5).</summary>
public sealed record MqttWillMessage(string Topic, ReadOnlyMemory<byte> Payload, MqttQos Qos = MqttQos.AtLeastOnce, bool Retain = false);
