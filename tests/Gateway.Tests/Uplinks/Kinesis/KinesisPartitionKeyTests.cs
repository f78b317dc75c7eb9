using System.Text;
using FarmGateway.Journal;
using FarmGateway.Uplinks.Kinesis;

namespace FarmGateway.Tests.Uplinks.Kinesis;

public sealed class KinesisPartitionKeyTests
{
    private static string Key(PartitionKeySource source, JournalRecord record)
    {
        var key = new KinesisPartitionKey(source, "barn-1");
        var buffer = new byte[KinesisClient.MaxPartitionKeyBytes];
        var length = key.Write(record, buffer);
        Assert.Equal(length, key.ByteCount(record));
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    [Theory]
    [InlineData("""{"v":1,"sensor":"barn1-scd30","model":"SCD30"}""", "barn1-scd30")]
    [InlineData("""{"v":1,"meta":{"sensor":"nested"},"sensor":"top"}""", "top")]
    [InlineData("""{"v":1,"sensor":"b\u00e4rn\/1"}""", "bärn/1")]
    [InlineData("""{"v":1,"model":"SCD30"}""", "barn-1")]
    [InlineData("""{"v":1,"sensor":""}""", "barn-1")]
    [InlineData("""{"v":1,"sensor":42}""", "barn-1")]
    [InlineData("""not json""", "barn-1")]
    [InlineData("""[1,2]""", "barn-1")]
    public void Sensor_TakesTheTopLevelSensorField_ElseTheGatewayId(string payload, string expected)
    {
        Assert.Equal(expected, Key(PartitionKeySource.Sensor, KinesisRecords.Raw(1, payload)));
    }

    [Fact]
    public void Sensor_LongerThanAKeyMayBe_FallsBackToTheGatewayId()
    {
        var payload = $$"""{"v":1,"sensor":"{{new string('s', 257)}}"}""";

        Assert.Equal("barn-1", Key(PartitionKeySource.Sensor, KinesisRecords.Raw(1, payload)));
    }

    [Fact]
    public void Sensor_OfARealRecord_IsItsSensorName()
    {
        Assert.Equal("co2-east", Key(PartitionKeySource.Sensor, KinesisRecords.Record(7, "co2-east")));
    }

    [Fact]
    public void Random_IsEpochAndSequence_ZeroPaddedLikeTheRecordId()
    {
        Assert.Equal("1f3a9c0d:000000000007", Key(PartitionKeySource.Random, KinesisRecords.Record(7)));
        Assert.Equal("1f3a9c0d:1234567890123456789", Key(PartitionKeySource.Random, KinesisRecords.Record(1234567890123456789)));
    }
}
