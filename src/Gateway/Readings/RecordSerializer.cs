using System.Buffers;
using System.Text.Json;

namespace FarmGateway.Readings;

/// <summary>
/// Writes a reading as record schema v1 (docs/record-schema.md): one flat JSON object, UTC
/// timestamp with milliseconds, metrics absent rather than null. Uplinks send these bytes
/// unchanged, so what the File outbox holds is exactly what the cloud receives.
/// </summary>
public sealed class RecordSerializer(GatewayIdentity identity)
{
    public const int SchemaVersion = 1;

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>Appends one record (no trailing newline) to <paramref name="output"/>.</summary>
    public void Write(IBufferWriter<byte> output, Reading reading, RecordId id)
    {
        using var json = new Utf8JsonWriter(output, WriterOptions);
        json.WriteStartObject();
        json.WriteNumber("v", SchemaVersion);
        json.WriteString("id", id.Format(identity.Id));
        json.WriteString("gateway", identity.Id);
        if (identity.Site is { } site) json.WriteString("site", site);
        if (identity.Location is { } location) json.WriteString("location", location);
        json.WriteString("sensor", reading.Sensor);
        json.WriteString("model", reading.Model);
        json.WriteString("ts", reading.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        WriteMetric(json, "temperature", reading.Values.TemperatureC);
        WriteMetric(json, "humidity", reading.Values.HumidityPercent);
        WriteMetric(json, "co2", reading.Values.Co2Ppm);
        WriteMetric(json, "pressure", reading.Values.PressureHpa);
        json.WriteString("clock", reading.ClockSynced ? "synced" : "unsynced");
        json.WriteEndObject();
    }

    public byte[] ToUtf8(Reading reading, RecordId id)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(buffer, reading, id);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteMetric(Utf8JsonWriter json, string name, double? value)
    {
        // Absent, never null or NaN: OpenSearch mappings and threshold alarms rely on it.
        if (value is { } v && double.IsFinite(v)) json.WriteNumber(name, v);
    }
}
