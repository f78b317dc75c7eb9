using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FarmGateway.Drivers;
using FarmGateway.Readings;
using FarmGateway.Tests.Testing;

namespace FarmGateway.Tests.Readings;

public sealed class RecordSerializerTests
{
    private static readonly JsonSchemaValidator Schema =
        JsonSchemaValidator.FromFile(Path.Combine(RepositoryRoot.Path, "docs", "record-schema.v1.json"));

    private static readonly GatewayIdentity Barn1 = new("barn-1", "farm-a", "barn-1");
    private static readonly RecordId Id42 = new("1f3a9c0d", 42);
    private static readonly DateTimeOffset TakenAt = new(2026, 11, 22, 10, 15, 30, 123, TimeSpan.Zero);

    [Fact]
    public void ToUtf8_DocumentedExample_WritesExactlyTheDocumentedRecord()
    {
        var reading = new Reading("barn1-scd30", "SCD30", TakenAt, ClockSynced: true,
            new ClimateSample(TemperatureC: 21.4, HumidityPercent: 55.2, Co2Ppm: 612));

        var json = Serialize(reading);

        Assert.Equal(
            """{"v":1,"id":"barn-1:1f3a9c0d:000000000042","gateway":"barn-1","site":"farm-a","location":"barn-1","sensor":"barn1-scd30","model":"SCD30","ts":"2026-11-22T10:15:30.123Z","temperature":21.4,"humidity":55.2,"co2":612,"clock":"synced"}""",
            json);
        AssertSchemaValid(json);
    }

    [Fact]
    public void ToUtf8_AllMetrics_WritesEveryFieldWithItsValue()
    {
        var reading = new Reading("barn1-env", "Simulated", TakenAt, ClockSynced: true,
            new ClimateSample(TemperatureC: 19.75, HumidityPercent: 61.5, Co2Ppm: 1250.5, PressureHpa: 1013.25));

        var json = Serialize(reading);
        var record = Parse(json);

        AssertSchemaValid(json);
        Assert.Equal(1, record.GetProperty("v").GetInt32());
        Assert.Equal("barn-1:1f3a9c0d:000000000042", record.GetProperty("id").GetString());
        Assert.Equal("barn-1", record.GetProperty("gateway").GetString());
        Assert.Equal("farm-a", record.GetProperty("site").GetString());
        Assert.Equal("barn-1", record.GetProperty("location").GetString());
        Assert.Equal("barn1-env", record.GetProperty("sensor").GetString());
        Assert.Equal("Simulated", record.GetProperty("model").GetString());
        Assert.Equal("2026-11-22T10:15:30.123Z", record.GetProperty("ts").GetString());
        Assert.Equal(19.75, record.GetProperty("temperature").GetDouble());
        Assert.Equal(61.5, record.GetProperty("humidity").GetDouble());
        Assert.Equal(1250.5, record.GetProperty("co2").GetDouble());
        Assert.Equal(1013.25, record.GetProperty("pressure").GetDouble());
        Assert.Equal("synced", record.GetProperty("clock").GetString());
        Assert.Equal(
            ["v", "id", "gateway", "site", "location", "sensor", "model", "ts", "temperature", "humidity", "co2", "pressure", "clock"],
            record.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void ToUtf8_TemperatureAndHumidityOnly_OmitsCo2AndPressure()
    {
        var reading = new Reading("barn1-climate", "DHT22", TakenAt, ClockSynced: true,
            new ClimateSample(TemperatureC: 22.1, HumidityPercent: 48.3));

        var json = Serialize(reading);
        var record = Parse(json);

        AssertSchemaValid(json);
        Assert.Equal("22.1", record.GetProperty("temperature").GetRawText());
        Assert.Equal("48.3", record.GetProperty("humidity").GetRawText());
        Assert.False(record.TryGetProperty("co2", out _));
        Assert.False(record.TryGetProperty("pressure", out _));
    }

    [Fact]
    public void ToUtf8_NoSiteOrLocation_OmitsBothFields()
    {
        var json = Serialize(DhtReading(), new GatewayIdentity("barn-1", Site: null, Location: null));
        var record = Parse(json);

        AssertSchemaValid(json);
        Assert.False(record.TryGetProperty("site", out _));
        Assert.False(record.TryGetProperty("location", out _));
        Assert.Equal("barn-1", record.GetProperty("gateway").GetString());
    }

    [Fact]
    public void ToUtf8_SiteWithoutLocation_WritesOnlySite()
    {
        var json = Serialize(DhtReading(), new GatewayIdentity("barn-1", Site: "farm-a", Location: null));
        var record = Parse(json);

        AssertSchemaValid(json);
        Assert.Equal("farm-a", record.GetProperty("site").GetString());
        Assert.False(record.TryGetProperty("location", out _));
    }

    [Fact]
    public void ToUtf8_ClockNotSynced_WritesUnsynced()
    {
        var json = Serialize(DhtReading() with { ClockSynced = false });

        AssertSchemaValid(json);
        Assert.Equal("unsynced", Parse(json).GetProperty("clock").GetString());
    }

    [Fact]
    public void ToUtf8_NegativeTemperature_WritesNegativeNumber()
    {
        var json = Serialize(DhtReading() with { Values = new ClimateSample(TemperatureC: -12.5, HumidityPercent: 88) });
        var record = Parse(json);

        AssertSchemaValid(json);
        Assert.Equal("-12.5", record.GetProperty("temperature").GetRawText());
        Assert.Equal("88", record.GetProperty("humidity").GetRawText());
    }

    [Theory]
    [InlineData("2026-11-22T19:15:30.1230000+09:00", "2026-11-22T10:15:30.123Z")]
    [InlineData("2026-11-22T05:15:30.1230000-05:00", "2026-11-22T10:15:30.123Z")]
    [InlineData("2026-01-01T08:30:00.0000000+09:00", "2025-12-31T23:30:00.000Z")]
    [InlineData("2026-11-22T10:15:30.1230000+00:00", "2026-11-22T10:15:30.123Z")]
    public void ToUtf8_NonUtcOffset_WritesSameInstantAsUtc(string taken, string expectedTs)
    {
        var json = Serialize(DhtReading() with { Timestamp = DateTimeOffset.Parse(taken, System.Globalization.CultureInfo.InvariantCulture) });

        AssertSchemaValid(json);
        Assert.Equal(expectedTs, Parse(json).GetProperty("ts").GetString());
    }

    [Theory]
    [InlineData("2026-11-22T10:15:30.1239999Z", "2026-11-22T10:15:30.123Z")]
    [InlineData("2026-11-22T10:15:30.0000001Z", "2026-11-22T10:15:30.000Z")]
    [InlineData("2026-11-22T10:15:30.0009999Z", "2026-11-22T10:15:30.000Z")]
    [InlineData("2026-12-31T23:59:59.9999999Z", "2026-12-31T23:59:59.999Z")] // rounding would change the year
    [InlineData("2026-11-22T10:15:30Z", "2026-11-22T10:15:30.000Z")]
    public void ToUtf8_SubMillisecondTicks_TruncatesToThreeDigits(string taken, string expectedTs)
    {
        var json = Serialize(DhtReading() with { Timestamp = DateTimeOffset.Parse(taken, System.Globalization.CultureInfo.InvariantCulture) });

        AssertSchemaValid(json);
        Assert.Equal(expectedTs, Parse(json).GetProperty("ts").GetString());
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void ToUtf8_NonFiniteMetrics_LeavesThemOut(double value)
    {
        var reading = DhtReading() with { Values = new ClimateSample(value, value, value, value) };

        var json = Serialize(reading);
        var record = Parse(json);

        AssertSchemaValid(json);
        foreach (var metric in new[] { "temperature", "humidity", "co2", "pressure" })
            Assert.False(record.TryGetProperty(metric, out _), $"{metric} should be absent in {json}");
    }

    [Fact]
    public void ToUtf8_OneNonFiniteMetric_KeepsTheOthers()
    {
        var reading = DhtReading() with { Values = new ClimateSample(TemperatureC: double.NaN, HumidityPercent: 50) };

        var record = Parse(Serialize(reading));

        Assert.False(record.TryGetProperty("temperature", out _));
        Assert.Equal(50, record.GetProperty("humidity").GetDouble());
    }

    [Fact]
    public void ToUtf8_DifferentSequencesAndEpochs_WriteDistinctIds()
    {
        var reading = DhtReading();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var count = 0;

        foreach (var epoch in new[] { "1f3a9c0d", "00000000", "ffffffff" })
        {
            for (long sequence = 0; sequence < 1000; sequence++)
            {
                var json = Serialize(reading, Barn1, new RecordId(epoch, sequence));
                ids.Add(Parse(json).GetProperty("id").GetString()!);
                count++;
            }
        }

        Assert.Equal(count, ids.Count);
    }

    [Fact]
    public void ToUtf8_SameRecordIdTwice_WritesIdenticalIdAndBytes()
    {
        var serializer = new RecordSerializer(Barn1);
        var reading = DhtReading();

        var first = serializer.ToUtf8(reading, new RecordId("1f3a9c0d", 7));
        var retry = serializer.ToUtf8(reading, new RecordId("1f3a9c0d", 7));

        Assert.Equal(first, retry);
        Assert.Equal("barn-1:1f3a9c0d:000000000007", Parse(Encoding.UTF8.GetString(retry)).GetProperty("id").GetString());
    }

    [Theory]
    [InlineData(0L, "barn-1:1f3a9c0d:000000000000")]
    [InlineData(999_999_999_999L, "barn-1:1f3a9c0d:999999999999")]
    [InlineData(1_000_000_000_000L, "barn-1:1f3a9c0d:1000000000000")]
    [InlineData(long.MaxValue, "barn-1:1f3a9c0d:9223372036854775807")]
    public void ToUtf8_AnySequence_WritesAtLeastTwelveDigits(long sequence, string expectedId)
    {
        var json = Serialize(DhtReading(), Barn1, new RecordId("1f3a9c0d", sequence));

        AssertSchemaValid(json);
        Assert.Equal(expectedId, Parse(json).GetProperty("id").GetString());
    }

    [Fact]
    public void ToUtf8_NewEpoch_WritesSchemaValidId()
    {
        for (var i = 0; i < 100; i++)
            AssertSchemaValid(Serialize(DhtReading(), Barn1, new RecordId(RecordId.NewEpoch(), i)));
    }

    [Fact]
    public void ToUtf8_LongestAllowedNames_AreSchemaValid()
    {
        var name = string.Concat(Enumerable.Repeat("Az09._-", 9)) + "z"; // 64 characters
        var json = Serialize(DhtReading() with { Sensor = name, Model = new string('M', 64) }, new GatewayIdentity(name, name, name));

        Assert.Equal(64, name.Length);
        AssertSchemaValid(json);
        Assert.StartsWith(name + ":", Parse(json).GetProperty("id").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ToUtf8_ModelWithLineBreaks_StaysOnOneLine()
    {
        // NDJSON (the File outbox, jq, Athena) needs one record per line; control characters in
        // strings must come out escaped.
        var json = Serialize(DhtReading() with { Model = "SCD30\r\nrev\u2028B" });

        Assert.DoesNotContain('\n', json);
        Assert.DoesNotContain('\r', json);
        Assert.DoesNotContain('\u2028', json);
        Assert.Equal("SCD30\r\nrev\u2028B", Parse(json).GetProperty("model").GetString());
        AssertSchemaValid(json);
    }

    [Fact]
    public void ToUtf8_AnyRecord_IsOneLineWithoutTrailingNewline()
    {
        var bytes = new RecordSerializer(Barn1).ToUtf8(DhtReading(), Id42);

        Assert.DoesNotContain((byte)'\n', bytes);
        Assert.DoesNotContain((byte)'\r', bytes);
        Assert.Equal((byte)'{', bytes[0]);
        Assert.Equal((byte)'}', bytes[^1]);
    }

    [Fact]
    public void Write_BufferWithEarlierContent_AppendsTheRecord()
    {
        var serializer = new RecordSerializer(Barn1);
        var buffer = new ArrayBufferWriter<byte>();
        buffer.Write("{\"x\":0}\n"u8);

        serializer.Write(buffer, DhtReading(), Id42);

        var lines = Encoding.UTF8.GetString(buffer.WrittenSpan).Split('\n');
        Assert.Equal("{\"x\":0}", lines[0]);
        Assert.Equal(Serialize(DhtReading()), lines[1]);
    }

    [Theory]
    [InlineData("temperature")]
    [InlineData("humidity")]
    [InlineData("co2")]
    [InlineData("pressure")]
    public void Schema_RecordWithNullMetric_IsRejected(string metric)
    {
        var record = ValidRecord();
        record[metric] = null;

        var errors = Schema.Validate(record.ToJsonString());

        Assert.Contains(errors, e => e.StartsWith($"$.{metric}: expected type", StringComparison.Ordinal));
    }

    [Fact]
    public void Schema_RecordWithoutId_IsRejected()
    {
        var record = ValidRecord();
        record.Remove("id");

        var errors = Schema.Validate(record.ToJsonString());

        Assert.Equal("$.id: required property is missing", Assert.Single(errors));
    }

    [Theory]
    [InlineData("v", "2")]
    [InlineData("id", "\"barn-1:1F3A9C0D:000000000042\"")]
    [InlineData("id", "\"barn-1:1f3a9c:000000000042\"")]
    [InlineData("id", "\"barn-1:1f3a9c0d:42\"")]
    [InlineData("id", "\"barn 1:1f3a9c0d:000000000042\"")]
    [InlineData("gateway", "\"\"")]
    [InlineData("sensor", "\"barn1/scd30\"")]
    [InlineData("model", "\"\"")]
    [InlineData("ts", "\"2026-11-22T10:15:30Z\"")]
    [InlineData("ts", "\"2026-11-22T10:15:30.123+00:00\"")]
    [InlineData("ts", "\"2026-11-22 10:15:30.123Z\"")]
    [InlineData("ts", "\"2026-11-22T10:15:30.123456Z\"")]
    [InlineData("ts", "1795349730123")]
    [InlineData("temperature", "\"21.4\"")]
    [InlineData("temperature", "-273.15")]
    [InlineData("humidity", "100.5")]
    [InlineData("co2", "-1")]
    [InlineData("pressure", "101325")]
    [InlineData("clock", "\"maybe\"")]
    [InlineData("clock", "true")]
    [InlineData("extra", "1")]
    public void Schema_RecordWithInvalidField_IsRejected(string field, string rawValue)
    {
        var record = ValidRecord();
        record[field] = JsonNode.Parse(rawValue);

        var errors = Schema.Validate(record.ToJsonString());

        Assert.Contains(errors, e => e.StartsWith($"$.{field}: ", StringComparison.Ordinal));
    }

    private static Reading DhtReading() =>
        new("barn1-climate", "DHT22", TakenAt, ClockSynced: true, new ClimateSample(TemperatureC: 21.4, HumidityPercent: 55.2));

    private static JsonObject ValidRecord()
    {
        var json = Serialize(new Reading("barn1-env", "Simulated", TakenAt, ClockSynced: true,
            new ClimateSample(21.4, 55.2, 612, 1013.25)));
        AssertSchemaValid(json);
        return JsonNode.Parse(json)!.AsObject();
    }

    private static string Serialize(Reading reading) => Serialize(reading, Barn1, Id42);

    private static string Serialize(Reading reading, GatewayIdentity identity) => Serialize(reading, identity, Id42);

    private static string Serialize(Reading reading, GatewayIdentity identity, RecordId id) =>
        Encoding.UTF8.GetString(new RecordSerializer(identity).ToUtf8(reading, id));

    private static JsonElement Parse(string json)
    {
        // Duplicate names would be legal JSON but ambiguous for consumers: refuse them here.
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
        return document.RootElement.Clone();
    }

    private static void AssertSchemaValid(string json)
    {
        var errors = Schema.Validate(Parse(json));
        Assert.True(errors.Count == 0, $"{json}{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
    }
}
