using FarmGateway.Drivers;

namespace FarmGateway.Readings;

/// <summary>
/// A reading as a source produced it: which sensor, when, and what it measured. It gets its
/// record id only when it is accepted (see <see cref="RecordId"/>).
/// </summary>
/// <param name="Sensor">Configured sensor name, unique per gateway.</param>
/// <param name="Model">Chip or source model, e.g. "DHT22", "SCD30", "Simulated".</param>
/// <param name="Timestamp">UTC time the value was taken.</param>
/// <param name="ClockSynced">Whether the wall clock was NTP-synchronised at that time.</param>
/// <param name="Values">The metrics; absent ones are null.</param>
public sealed record Reading(
    string Sensor,
    string Model,
    DateTimeOffset Timestamp,
    bool ClockSynced,
    ClimateSample Values)
{
    /// <summary>Set by a producer that must know when the reading is in the journal (see <see cref="ReadingReceipt"/>).</summary>
    public ReadingReceipt? Receipt { get; init; }
}
