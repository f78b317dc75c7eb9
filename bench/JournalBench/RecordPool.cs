using FarmGateway.Drivers;
using FarmGateway.Readings;

namespace FarmGateway.JournalBench;

/// <summary>
/// Readings serialized ahead of time with the gateway's own <see cref="RecordSerializer"/>, so
/// a run measures the journal, not JSON. Twenty SCD30 sensors (temperature, humidity, CO2) on a
/// gateway with site and location tags: the record a barn gateway actually journals.
/// </summary>
internal sealed class RecordPool
{
    private readonly byte[][] _payloads;

    public RecordPool(int count, int sensors)
    {
        var serializer = new RecordSerializer(new GatewayIdentity("barn-pi-01", "hillside-farm", "barn-1"));
        var random = new Random(42); // the same bytes every run
        var start = new DateTimeOffset(2025, 3, 14, 6, 0, 0, TimeSpan.Zero);
        _payloads = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            var values = new ClimateSample(
                TemperatureC: Math.Round(14 + random.NextDouble() * 14, 2),
                HumidityPercent: Math.Round(45 + random.NextDouble() * 40, 1),
                Co2Ppm: Math.Round(420 + random.NextDouble() * 1800));
            var reading = new Reading($"barn1-scd30-{i % sensors:D2}", "SCD30",
                start.AddMilliseconds(i * 1000.0 / sensors + random.Next(0, 40)), ClockSynced: true, values);
            _payloads[i] = serializer.ToUtf8(reading, new RecordId("1f3a9c0b", 1_000_000 + i));
        }
        MinBytes = _payloads.Min(p => p.Length);
        MaxBytes = _payloads.Max(p => p.Length);
        MeanBytes = _payloads.Average(p => p.Length);
    }

    public int MinBytes { get; }
    public int MaxBytes { get; }
    public double MeanBytes { get; }

    /// <summary>The i-th payload, cycling through the pool.</summary>
    public byte[] this[long i] => _payloads[i % _payloads.Length];

    public string Example => System.Text.Encoding.UTF8.GetString(_payloads[0]);
}
