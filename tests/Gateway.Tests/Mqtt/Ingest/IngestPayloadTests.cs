using System.Text;
using FarmGateway.Mqtt.Ingest;

namespace FarmGateway.Tests.Mqtt.Ingest;

public sealed class IngestPayloadTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 5, 0, 0, TimeSpan.Zero);

    private static IngestResult Json(string payload) =>
        IngestPayload.Parse(Encoding.UTF8.GetBytes(payload), IngestFormat.Json, IngestMetric.Temperature, Now);

    private static IngestResult Number(string payload, IngestMetric metric) =>
        IngestPayload.Parse(Encoding.UTF8.GetBytes(payload), IngestFormat.Number, metric, Now);

    [Fact]
    public void Parse_JsonWithMetricsAndOtherFields_TakesTheMetricsAtOurClock()
    {
        var result = Json("""{"temperature":-3.5,"humidity":81.2,"co2":612,"pressure":1003.4,"rssi":-71,"node":{"fw":"1.2"}}""");

        Assert.Null(result.Rejection);
        Assert.Equal(new Drivers.ClimateSample(-3.5, 81.2, 612, 1003.4), result.Sample);
        Assert.Equal(Now, result.Timestamp);
    }

    [Theory]
    [InlineData("\"2026-12-06T04:59:30Z\"", "2026-12-06T04:59:30Z")]
    [InlineData("\"2026-12-06T13:59:30+09:00\"", "2026-12-06T04:59:30Z")]
    [InlineData("1796532570", "2026-12-06T04:49:30Z")]
    [InlineData("1796532570123", "2026-12-06T04:49:30.123Z")]
    public void Parse_JsonWithTs_UsesTheNodesTime(string ts, string expected)
    {
        var result = Json($$"""{"temperature":20,"ts":{{ts}}}""");

        Assert.Null(result.Rejection);
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), result.Timestamp);
    }

    [Theory]
    [InlineData("21.5", IngestMetric.Temperature, 21.5)]
    [InlineData(" 655\n", IngestMetric.Co2, 655)]
    [InlineData("-0.5e1", IngestMetric.Temperature, -5)]
    public void Parse_BareNumber_IsTheConfiguredMetric(string payload, IngestMetric metric, double value)
    {
        var result = Number(payload, metric);

        Assert.Null(result.Rejection);
        var sample = result.Sample!.Value;
        Assert.Equal(value, metric == IngestMetric.Co2 ? sample.Co2Ppm : sample.TemperatureC);
    }

    [Theory]
    [InlineData("", "empty payload")]
    [InlineData("[21.5]", "not a JSON object")]
    [InlineData("{\"temperature\":\"21.5\"}", "temperature must be a JSON number")]
    [InlineData("{\"temperature\":21,\"temperature\":22}", "appears twice")]
    [InlineData("{\"rssi\":-70}", "payload has no metric")]
    [InlineData("{\"humidity\":101}", "humidity 101 is outside 0..100")]
    [InlineData("{\"co2\":1e400}", "not a finite number")]
    [InlineData("{\"temperature\":NaN}", "not valid JSON")]
    [InlineData("{\"temperature\":20} {}", "not valid JSON")]
    [InlineData("{\"temperature\":20,\"ts\":\"2026-12-06T05:00:00\"}", "ts must be an ISO 8601 time with a zone")]
    [InlineData("{\"temperature\":20,\"ts\":\"2026-12-06T06:00:00Z\"}", "ahead of the gateway's clock")]
    [InlineData("{\"temperature\":20,\"ts\":\"2026-01-01T00:00:00Z\"}", "days old")]
    [InlineData("{\"a\":{\"b\":{\"c\":1}},\"temperature\":20}", "not valid JSON")]
    public void Parse_BadJson_IsRefusedSayingWhy(string payload, string why)
    {
        var result = Json(payload);

        Assert.Null(result.Sample);
        Assert.Contains(why, result.Rejection);
    }

    [Theory]
    [InlineData("warm", "'warm' is not a number")]
    [InlineData("NaN", "not a finite number")]
    [InlineData("Infinity", "not a finite number")]
    [InlineData("0x10", "is not a number")]
    public void Parse_BadNumber_IsRefusedSayingWhy(string payload, string why)
    {
        Assert.Contains(why, Number(payload, IngestMetric.Temperature).Rejection);
    }

    [Fact]
    public void Parse_NotUtf8OrTooLarge_IsRefused()
    {
        Assert.Equal("payload is not valid UTF-8",
            IngestPayload.Parse([0x7b, 0xff, 0x7d], IngestFormat.Json, IngestMetric.Temperature, Now).Rejection);
        var large = Encoding.UTF8.GetBytes("{\"temperature\":20,\"pad\":\"" + new string('x', IngestPayload.MaxPayloadBytes) + "\"}");
        Assert.Contains("over the 4096-byte limit", IngestPayload.Parse(large, IngestFormat.Json, IngestMetric.Temperature, Now).Rejection);
    }

    [Fact]
    public void Parse_RandomAndMutatedPayloads_NeverThrowAndEitherAcceptOrSayWhy()
    {
        var random = new Random(20261206);
        var seeds = new[]
        {
            """{"temperature":21.5,"humidity":60,"ts":"2026-12-06T04:59:30Z"}""",
            """{"co2":612,"ts":1796532570}""",
            "21.5",
        }.Select(Encoding.UTF8.GetBytes).ToArray();
        var accepted = 0;
        for (var i = 0; i < 100_000; i++)
        {
            byte[] payload;
            if (i % 4 == 0)
            {
                payload = new byte[random.Next(0, 64)];
                random.NextBytes(payload);
            }
            else
            {
                payload = (byte[])seeds[i % seeds.Length].Clone();
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                    payload[random.Next(payload.Length)] ^= (byte)(1 << random.Next(8));
                if (random.Next(4) == 0) payload = payload[..random.Next(payload.Length + 1)];
            }
            var format = i % 3 == 2 ? IngestFormat.Number : IngestFormat.Json;

            var result = IngestPayload.Parse(payload, format, IngestMetric.Temperature, Now);

            Assert.True(result.Sample is null != (result.Rejection is null), $"case {i}: exactly one of sample and rejection");
            if (result.Sample is { } sample)
            {
                accepted++;
                Assert.Null(FarmGateway.Readings.ReadingLimits.Check(sample));
            }
        }
        Assert.InRange(accepted, 1, 99_999);
    }
}
