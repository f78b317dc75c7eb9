using System.Text;
using FarmGateway.Drivers;
using FarmGateway.Readings;

namespace FarmGateway.KinesisBench;

/// <summary>
/// The readings of a barn that was offline for a while, made once per benchmark and the same in
/// every run: <c>sensors</c> sensors of three models (SCD30: temperature, humidity, CO2; DHT22:
/// temperature, humidity; BME280: temperature, humidity, pressure), one reading each per second,
/// on a gateway with site and location tags. Serialized by the gateway's own
/// <see cref="RecordSerializer"/> (record schema v1), so both phases send the same bytes.
/// </summary>
internal sealed class ReadingSet
{
    public const string GatewayId = "barn-pi-01";

    private readonly Reading[] _readings;

    public ReadingSet(int count, int sensors)
    {
        var random = new Random(42);
        var start = new DateTimeOffset(2025, 3, 14, 6, 0, 0, TimeSpan.Zero);
        _readings = new Reading[count];
        for (var i = 0; i < count; i++)
        {
            var sensor = i % sensors;
            var (model, values) = (sensor % 5) switch
            {
                0 or 1 => ("SCD30", new ClimateSample(Round(14, 14, 2), Round(45, 40, 1), Math.Round(420 + random.NextDouble() * 1800))),
                2 or 3 => ("DHT22", new ClimateSample(Round(14, 14, 1), Round(45, 40, 1))),
                _ => ("BME280", new ClimateSample(Round(14, 14, 2), Round(45, 40, 2), PressureHpa: Round(990, 40, 2))),
            };
            _readings[i] = new Reading($"barn1-{model.ToLowerInvariant()}-{sensor:D2}", model,
                start.AddMilliseconds(i * 1000.0 / sensors + random.Next(0, 40)), ClockSynced: true, values);
        }

        double Round(double from, double range, int digits) => Math.Round(from + random.NextDouble() * range, digits);
    }

    public static RecordSerializer Serializer() => new(new GatewayIdentity(GatewayId, "hillside-farm", "barn-1"));

    public int Count => _readings.Length;

    public Reading this[int i] => _readings[i];

    /// <summary>The records as a gateway with journal epoch <paramref name="epoch"/> would write them, sequences from 0.</summary>
    public RawRecord[] Serialize(string epoch, int count)
    {
        var serializer = Serializer();
        var records = new RawRecord[count];
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var reading = _readings[i];
            if (!keys.TryGetValue(reading.Sensor, out var key)) keys[reading.Sensor] = key = Encoding.UTF8.GetBytes(reading.Sensor);
            records[i] = new RawRecord(serializer.ToUtf8(reading, new RecordId(epoch, i)), key);
        }
        return records;
    }

    /// <summary>The id the record of sequence <paramref name="sequence"/> carries.</summary>
    public static string Id(string epoch, long sequence) => new RecordId(epoch, sequence).Format(GatewayId);
}

/// <summary>A schema v1 record and its partition key (the sensor, as PartitionKey = Sensor gives), both UTF-8.</summary>
internal sealed record RawRecord(byte[] Data, byte[] PartitionKey);
