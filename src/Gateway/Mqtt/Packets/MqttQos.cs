namespace FarmGateway.Mqtt.Packets;

/// <summary>Quality of service. QoS 2 is not implemented: the gateway never asks for it.</summary>
public enum MqttQos : byte
{
    AtMostOnce = 0,
    AtLeastOnce = 1,
}
