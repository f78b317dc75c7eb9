namespace FarmGateway.Mqtt.Packets;

/// <summary>
/// The fixed header's Remaining Length (spec 2.2.3): 7 bits a byte, least significant group
/// first, the top bit says another byte follows; at most 4 bytes, so at most 268,435,455.
/// </summary>
public static class MqttRemainingLength
{
    public const int Max = 268_435_455;
    public const int MaxBytes = 4;

    public static int SizeOf(int length) => length < 128 ? 1 : length < 16_384 ? 2 : length < 2_097_152 ? 3 : 4;

    /// <summary>Writes the encoding of <paramref name="length"/>; returns how many bytes it took.</summary>
    public static int Write(Span<byte> destination, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Max);
        var index = 0;
        do
        {
            var digit = (byte)(length % 128);
            length /= 128;
            if (length > 0) digit |= 0x80;
            destination[index++] = digit;
        }
        while (length > 0);
        return index;
    }

    public static byte[] Encode(int length)
    {
        var bytes = new byte[SizeOf(length)];
        Write(bytes, length);
        return bytes;
    }

    /// <summary>
    /// Reads a remaining length from <paramref name="source"/>. <see cref="MqttLengthStatus.NeedMore"/>
    /// when the bytes end mid-number; <see cref="MqttLengthStatus.Malformed"/> when a fourth byte still
    /// says "more follows".
    /// </summary>
    public static MqttLengthStatus TryRead(ReadOnlySpan<byte> source, out int length, out int bytesUsed)
    {
        length = 0;
        bytesUsed = 0;
        var multiplier = 1;
        for (var index = 0; index < MaxBytes; index++)
        {
            if (index >= source.Length) return MqttLengthStatus.NeedMore;
            var digit = source[index];
            length += (digit & 0x7F) * multiplier;
            multiplier *= 128;
            if ((digit & 0x80) == 0)
            {
                bytesUsed = index + 1;
                return MqttLengthStatus.Complete;
            }
        }
        length = 0;
        return MqttLengthStatus.Malformed;
    }
}

public enum MqttLengthStatus
{
    Complete,
    NeedMore,
    Malformed,
}
