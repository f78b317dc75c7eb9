namespace FarmGateway.Drivers;

/// <summary>
/// Switches a sensor's supply, for the last step of a recovery ladder: a locked-up DHT22 or
/// SCD30 often only comes back after a power cycle. Optional: most barns wire sensors to 3V3.
/// </summary>
public interface IPowerSwitch : IDisposable
{
    /// <summary>Turns the supply on or off; null on success, otherwise why it failed.</summary>
    SensorError? SetPower(bool on);
}
