namespace FarmGateway.Mqtt.Client;

public enum MqttPublishStatus
{
    /// <summary>QoS 0: written to the connection (no guarantee the broker got it).</summary>
    Sent,

    /// <summary>QoS 1: the broker answered with PUBACK.</summary>
    Acknowledged,

    /// <summary>QoS 0 while not connected: not sent, and not queued.</summary>
    NotConnected,

    /// <summary>The caller's token was cancelled. A QoS 1 message already on the wire may still arrive.</summary>
    Canceled,

    /// <summary>The client was stopped before the message was acknowledged.</summary>
    Stopped,

    /// <summary>The message can never be sent as it is (bad topic, too large); see the reason.</summary>
    Rejected,
}

/// <summary>What became of a publish. Never an exception for network trouble.</summary>
public readonly record struct MqttPublishResult(MqttPublishStatus Status, string? Reason = null)
{
    public bool Succeeded => Status is MqttPublishStatus.Sent or MqttPublishStatus.Acknowledged;
}
