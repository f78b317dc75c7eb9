namespace FarmGateway.Drivers.Simulated;

/// <summary>Which real chip a <see cref="SimulatedClimateSensor"/> imitates.</summary>
public enum SimulatedProfile
{
    /// <summary>DHT22/AM2302: temperature and humidity at 0.1 resolution, no CO2.</summary>
    Dht22,

    /// <summary>Sensirion SCD30: CO2 at 0.1 ppm, temperature and humidity at 0.01 resolution.</summary>
    Scd30,
}
