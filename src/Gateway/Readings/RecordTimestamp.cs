using System.Globalization;
using System.Text.Json;

namespace FarmGateway.Readings;

/// <summary>Reads the <c>ts</c> of a serialized record without parsing the rest (status: age of the oldest unsent reading).</summary>
public static class RecordTimestamp
{
    public static DateTimeOffset? TryRead(ReadOnlySpan<byte> record)
    {
        var json = new Utf8JsonReader(record);
        try
        {
            while (json.Read())
            {
                if (json.TokenType != JsonTokenType.PropertyName || json.CurrentDepth != 1 || !json.ValueTextEquals("ts"u8)) continue;
                json.Read();
                return json.TokenType == JsonTokenType.String &&
                       DateTimeOffset.TryParse(json.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ts)
                    ? ts
                    : null;
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }
}
