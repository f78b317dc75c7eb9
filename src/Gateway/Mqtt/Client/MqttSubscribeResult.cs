using FarmGateway.Mqtt.Packets;

namespace FarmGateway.Mqtt.Client;

/// <summary>
/// The broker's answer to a SUBSCRIBE: the granted QoS per filter, in the order asked, null
/// where the broker refused the filter (SUBACK 0x80). <see cref="Error"/> says why it failed
/// as a whole or which filter was refused.
/// </summary>
public sealed record MqttSubscribeResult(IReadOnlyList<MqttQos?> Granted, string? Error)
{
    public bool Succeeded => Error is null;

    public static MqttSubscribeResult Failed(string error) => new([], error);
}

/// <summary>The broker's answer to an UNSUBSCRIBE.</summary>
public sealed record MqttUnsubscribeResult(string? Error)
{
    public bool Succeeded => Error is null;
}
