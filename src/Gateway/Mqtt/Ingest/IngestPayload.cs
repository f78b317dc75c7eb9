using System.Text.Unicode;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FarmGateway.Drivers;
using FarmGateway.Readings;

namespace FarmGateway.Mqtt.Ingest;

/// <summary>How a sensor node writes its readings.</summary>
public enum IngestFormat
{
    /// <summary>A JSON object with metric fields named as in records (temperature, humidity, co2, pressure) and an optional ts.</summary>
    Json,

    /// <summary>A bare number, for a topic that carries one metric (e.g. esp/barn1/temperature).</summary>
    Number,
}

/// <summary>
/// Turns an MQTT payload from a sensor node into a sample, or says exactly why not. Strict:
/// anything the record schema could not hold, or that is ambiguous, is refused rather than
/// guessed, so what the journal accepts is what the node meant. Never throws on payload bytes.
/// </summary>
public static class IngestPayload
{
    /// <summary>Readings are small; anything larger is a misconfigured node, not a reading.</summary>
    public const int MaxPayloadBytes = 4096;

    /// <summary>How far ahead of our clock a node's ts may be (its clock drifts too).</summary>
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);

    /// <summary>How old a node's ts may be (a node replaying its buffer after an outage).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(30);

    private const string Metrics = "temperature, humidity, co2, pressure";
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 2 };

    /// <param name="metric">For <see cref="IngestFormat.Number"/>: which metric the number is.</param>
    /// <param name="now">Our clock: the reading's time when the payload has no ts.</param>
    public static IngestResult Parse(ReadOnlySpan<byte> payload, IngestFormat format, IngestMetric metric, DateTimeOffset now)
    {
        if (payload.Length == 0) return IngestResult.Refused("empty payload");
        if (payload.Length > MaxPayloadBytes)
            return IngestResult.Refused($"payload of {payload.Length} bytes is over the {MaxPayloadBytes}-byte limit");
        if (!Utf8.IsValid(payload)) return IngestResult.Refused("payload is not valid UTF-8");
        return format == IngestFormat.Number ? ParseNumber(payload, metric, now) : ParseJson(payload, now);
    }

    private static IngestResult ParseNumber(ReadOnlySpan<byte> payload, IngestMetric metric, DateTimeOffset now)
    {
        var text = Encoding.UTF8.GetString(payload).Trim();
        if (!double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out var value))
            return IngestResult.Refused($"'{Shorten(text)}' is not a number (the topic is configured for a bare number)");
        return Checked(Set(new ClimateSample(), metric, value), now);
    }

    private static IngestResult ParseJson(ReadOnlySpan<byte> payload, DateTimeOffset now)
    {
        var sample = new ClimateSample();
        DateTimeOffset? ts = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var json = new Utf8JsonReader(payload, ReaderOptions);
            if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
                return IngestResult.Refused($"payload is not a JSON object; expected e.g. {{\"temperature\":21.5,\"humidity\":60}}");
            while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
            {
                var name = json.GetString()!;
                if (!seen.Add(name)) return IngestResult.Refused($"field '{Shorten(name)}' appears twice");
                json.Read();
                if (name == "ts")
                {
                    if (ParseTimestamp(ref json) is not { } parsed)
                        return IngestResult.Refused("ts must be an ISO 8601 time with a zone (2026-12-06T05:00:00Z) or Unix seconds/milliseconds");
                    ts = parsed;
                    continue;
                }
                if (IngestMetrics.FromField(name) is not { } metric)
                {
                    json.Skip(); // other fields (rssi, battery, ...) are the node's business
                    continue;
                }
                if (json.TokenType != JsonTokenType.Number || !json.TryGetDouble(out var value))
                    return IngestResult.Refused($"{name} must be a JSON number, got {json.TokenType}");
                sample = Set(sample, metric, value);
            }
            if (json.TokenType != JsonTokenType.EndObject || json.Read())
                return IngestResult.Refused("payload is not one JSON object");
        }
        catch (JsonException e)
        {
            return IngestResult.Refused($"payload is not valid JSON: {e.Message}");
        }

        if (ts is { } t)
        {
            if (t > now + MaxFutureSkew) return IngestResult.Refused($"ts {t:O} is more than {MaxFutureSkew.TotalMinutes} minutes ahead of the gateway's clock");
            if (t < now - MaxAge) return IngestResult.Refused($"ts {t:O} is more than {MaxAge.TotalDays} days old");
        }
        return Checked(sample, ts ?? now);
    }

    private static DateTimeOffset? ParseTimestamp(ref Utf8JsonReader json)
    {
        if (json.TokenType == JsonTokenType.String)
        {
            var text = json.GetString();
            // A zone is required: a node's local time without one cannot be placed.
            return text is not null && (text.EndsWith('Z') || text.LastIndexOfAny(['+', '-']) > 10)
                   && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed.ToUniversalTime()
                : null;
        }
        if (json.TokenType == JsonTokenType.Number && json.TryGetDouble(out var number) && double.IsFinite(number) && number > 0)
        {
            // Seconds until the year 5138; anything larger is milliseconds.
            var ms = number < 1e11 ? number * 1000 : number;
            return ms <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() ? DateTimeOffset.FromUnixTimeMilliseconds((long)ms) : null;
        }
        return null;
    }

    private static IngestResult Checked(ClimateSample sample, DateTimeOffset at)
    {
        if (sample is { TemperatureC: null, HumidityPercent: null, Co2Ppm: null, PressureHpa: null })
            return IngestResult.Refused($"payload has no metric; fields read: {Metrics}");
        foreach (var value in new[] { sample.TemperatureC, sample.HumidityPercent, sample.Co2Ppm, sample.PressureHpa })
        {
            if (value is { } v && !double.IsFinite(v)) return IngestResult.Refused("a metric is not a finite number");
        }
        return ReadingLimits.Check(sample) is { } problem ? IngestResult.Refused(problem) : IngestResult.Ok(sample, at);
    }

    private static ClimateSample Set(ClimateSample sample, IngestMetric metric, double value) => metric switch
    {
        IngestMetric.Temperature => sample with { TemperatureC = value },
        IngestMetric.Humidity => sample with { HumidityPercent = value },
        IngestMetric.Co2 => sample with { Co2Ppm = value },
        _ => sample with { PressureHpa = value },
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}

/// <summary>A metric a bare-number topic carries, named as in records.</summary>
public enum IngestMetric
{
    Temperature,
    Humidity,
    Co2,
    Pressure,
}

internal static class IngestMetrics
{
    public static IngestMetric? FromField(string field) => field switch
    {
        "temperature" => IngestMetric.Temperature,
        "humidity" => IngestMetric.Humidity,
        "co2" => IngestMetric.Co2,
        "pressure" => IngestMetric.Pressure,
        _ => null,
    };
}

/// <summary>A sample with its time, or why the payload was refused.</summary>
public readonly record struct IngestResult(ClimateSample? Sample, DateTimeOffset Timestamp, string? Rejection)
{
    public static IngestResult Ok(ClimateSample sample, DateTimeOffset at) => new(sample, at, null);
    public static IngestResult Refused(string why) => new(null, default, why);
}
