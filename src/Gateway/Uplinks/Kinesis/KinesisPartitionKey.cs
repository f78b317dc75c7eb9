using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using FarmGateway.Journal;

namespace FarmGateway.Uplinks.Kinesis;

/// <summary>
/// The partition key of a record, written as UTF-8 without allocating. Always 1..256 characters,
/// and the same for every send of a record, so a resend lands on the same shard:
/// <list type="bullet">
/// <item>Sensor: the record's <c>sensor</c> field (schema v1), else the gateway id.</item>
/// <item>Gateway: the gateway id.</item>
/// <item>Random: <c>{epoch}:{sequence}</c>, the record id without the gateway; Kinesis hashes keys
/// with MD5, so consecutive ids spread evenly over the shards.</item>
/// </list>
/// </summary>
public sealed class KinesisPartitionKey
{
    private readonly PartitionKeySource _source;
    private readonly byte[] _gateway;

    public KinesisPartitionKey(PartitionKeySource source, string gatewayId)
    {
        ArgumentException.ThrowIfNullOrEmpty(gatewayId);
        _source = source;
        _gateway = Encoding.UTF8.GetBytes(gatewayId.Length <= KinesisUplinkOptions.MaxPartitionKeyLength
            ? gatewayId
            : gatewayId[..KinesisUplinkOptions.MaxPartitionKeyLength]);
    }

    /// <summary>UTF-8 bytes of the key of <paramref name="record"/> (counted on the wire).</summary>
    public int ByteCount(JournalRecord record)
    {
        Span<byte> key = stackalloc byte[KinesisClient.MaxPartitionKeyBytes];
        return Write(record, key);
    }

    /// <summary>Writes the key into <paramref name="utf8Key"/> (at least <see cref="KinesisClient.MaxPartitionKeyBytes"/>); returns its length.</summary>
    public int Write(JournalRecord record, Span<byte> utf8Key) => _source switch
    {
        PartitionKeySource.Gateway => Gateway(utf8Key),
        PartitionKeySource.Random => Id(record, utf8Key),
        _ => Sensor(record.Payload.Span, utf8Key) is var length and > 0 ? length : Gateway(utf8Key),
    };

    private int Gateway(Span<byte> utf8Key)
    {
        _gateway.CopyTo(utf8Key);
        return _gateway.Length;
    }

    private static int Id(JournalRecord record, Span<byte> utf8Key)
    {
        var length = Encoding.UTF8.GetBytes(record.Epoch, utf8Key);
        utf8Key[length++] = (byte)':';
        Utf8Formatter.TryFormat(record.Sequence, utf8Key[length..], out var digits, new System.Buffers.StandardFormat('D', 12));
        return length + digits;
    }

    /// <summary>The top-level "sensor" string of a schema v1 record; 0 when it is absent, empty, too long or the payload is not JSON.</summary>
    private static int Sensor(ReadOnlySpan<byte> payload, Span<byte> utf8Key)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isSensor = reader.ValueTextEquals("sensor"u8);
                if (!reader.Read()) return 0;
                if (!isSensor)
                {
                    reader.Skip();
                    continue;
                }
                if (reader.TokenType != JsonTokenType.String) return 0;
                var length = reader.ValueIsEscaped ? reader.CopyString(utf8Key) : Copy(reader.ValueSpan, utf8Key);
                return length > 0 && Encoding.UTF8.GetCharCount(utf8Key[..length]) <= KinesisUplinkOptions.MaxPartitionKeyLength ? length : 0;
            }
            return 0;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            // Not JSON, or a name longer than any key can be: the gateway id keeps the record moving.
            return 0;
        }
    }

    private static int Copy(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        if (value.Length > destination.Length) return 0;
        value.CopyTo(destination);
        return value.Length;
    }
}
