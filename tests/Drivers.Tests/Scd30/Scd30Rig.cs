using FarmGateway.Drivers.Scd30;
using FarmGateway.Drivers.Tests.Testing;

namespace FarmGateway.Drivers.Tests.Scd30;

/// <summary>A sensor wired to an emulated chip, a virtual clock and (optionally) a power switch.</summary>
internal sealed class Scd30Rig : IDisposable
{
    /// <summary>Matches the emulator's factory settings, so a plain rig writes no NVM.</summary>
    public static readonly Scd30Options Defaults = new() { MeasurementInterval = TimeSpan.FromSeconds(2) };

    public Scd30Rig(Scd30Options? options = null, bool withPower = true, Scd30Emulator? chip = null, VirtualClock? clock = null)
    {
        Clock = clock ?? new VirtualClock();
        Chip = chip ?? new Scd30Emulator(Clock);
        Power = withPower ? new FakePowerSwitch(Clock, Chip.SetPower) : null;
        Sensor = new Scd30Sensor(Chip, options ?? Defaults, Clock, Power);
    }

    public VirtualClock Clock { get; }
    public Scd30Emulator Chip { get; }
    public FakePowerSwitch? Power { get; }
    public Scd30Sensor Sensor { get; }

    public async Task<SensorResult> ReadAsync() => await Sensor.ReadAsync(CancellationToken.None);

    /// <summary>Reads <paramref name="count"/> times and returns every result.</summary>
    public async Task<List<SensorResult>> ReadAsync(int count)
    {
        var results = new List<SensorResult>();
        for (int i = 0; i < count; i++) results.Add(await ReadAsync());
        return results;
    }

    public void Dispose() => Sensor.Dispose();
}
