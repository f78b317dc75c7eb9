using FarmGateway.Drivers.Simulated;

namespace FarmGateway.Sources;

/// <summary>One entry of <c>Gateway:Sensors</c>.</summary>
public sealed class SensorOptions
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    /// <summary>Unique sensor name; becomes <c>sensor</c> in records and the Kinesis partition key.</summary>
    public string? Name { get; set; }

    /// <summary>Sensor type. Required.</summary>
    public SensorType? Type { get; set; }

    /// <summary>Time between readings. Default 00:00:10.</summary>
    public TimeSpan? Interval { get; set; }

    /// <summary>False keeps the entry in the file but does not read it. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Simulated only: which chip to imitate. Default Dht22.</summary>
    public SimulatedProfile? Profile { get; set; }

    /// <summary>Simulated only: random seed. Default: derived from the name, so runs repeat.</summary>
    public int? Seed { get; set; }

    /// <summary>Where this entry was written ("Gateway:Sensors:5"); set by the loader, not read from configuration.</summary>
    internal string? ConfigKey { get; set; }
}

/// <summary>The sensor types this build can read.</summary>
public enum SensorType
{
    /// <summary>Generated DHT22- or SCD30-like values with a daily cycle; no hardware needed.</summary>
    Simulated,
}
