namespace FarmGateway.Mqtt.Publishing;

/// <summary>
/// The topics the gateway publishes on the barn broker, all below one prefix (e.g.
/// farm/barn-3). Sensor names cannot contain '/', so a sensor's two-level state topic never
/// collides with the one-level gateway topics.
/// </summary>
public sealed record LiveTopics(string Prefix)
{
    /// <summary>Retained "online", or "offline" (also the last will): the gateway's availability.</summary>
    public string Availability => $"{Prefix}/status";

    /// <summary>Retained JSON: backlog, oldest unsent age, last upload, dropped readings.</summary>
    public string Health => $"{Prefix}/health";

    /// <summary>Reserved for threshold alarms.</summary>
    public string Alarm => $"{Prefix}/alarm";

    /// <summary>Retained JSON with a sensor's latest values.</summary>
    public string State(string sensor) => $"{Prefix}/{sensor}/state";
}
