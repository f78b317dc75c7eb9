using System.Buffers;
using System.Globalization;
using System.Text.Json;
using FarmGateway.Readings;
using FarmGateway.Status;

namespace FarmGateway.Mqtt.Publishing;

/// <summary>
/// The retained JSON the gateway keeps on the barn broker: each sensor's latest values (record
/// field names, so a screen reads them like a record) and the gateway's health.
/// </summary>
public static class LivePayloads
{
    /// <summary><c>{"temperature":21.5,"humidity":60,"ts":"...","model":"DHT22"}</c>; metrics the sensor lacks are absent.</summary>
    public static byte[] State(Reading reading) => Write(json =>
    {
        Metric(json, "temperature", reading.Values.TemperatureC);
        Metric(json, "humidity", reading.Values.HumidityPercent);
        Metric(json, "co2", reading.Values.Co2Ppm);
        Metric(json, "pressure", reading.Values.PressureHpa);
        json.WriteString("ts", Time(reading.Timestamp));
        json.WriteString("model", reading.Model);
    });

    /// <summary>
    /// The gateway's health for screens and Home Assistant: readings waiting for the slowest
    /// uplink, how old the oldest of them is, the last successful upload of any uplink, dropped
    /// readings and failed sensors.
    /// </summary>
    public static byte[] Health(GatewaySnapshot snapshot) => Write(json =>
    {
        var cloud = snapshot.Uplinks;
        json.WriteNumber("backlog", cloud.Count == 0 ? 0 : cloud.Max(u => u.Backlog));
        var oldest = cloud.Select(u => u.OldestUnsentAge).OfType<TimeSpan>().DefaultIfEmpty(TimeSpan.Zero).Max();
        json.WriteNumber("oldest_unsent_seconds", Math.Round(oldest.TotalSeconds));
        if (cloud.Select(u => u.LastSuccess).OfType<DateTimeOffset>().DefaultIfEmpty().Max() is { } last && last != default)
            json.WriteString("last_upload", Time(last));
        else
            json.WriteNull("last_upload");
        json.WriteNumber("dropped", snapshot.Dropped.Values.Sum());
        json.WriteNumber("sensors_failed", snapshot.SensorHealth.Count(s => s.State == Sources.SensorState.Failed));
        json.WriteString("ts", Time(snapshot.At));
    });

    private static void Metric(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v)) json.WriteNumber(name, v);
    }

    private static string Time(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
