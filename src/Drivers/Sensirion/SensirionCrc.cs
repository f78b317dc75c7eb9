namespace FarmGateway.Drivers.Sensirion;

/// <summary>
/// The CRC-8 that Sensirion chips put after every 16-bit word on the wire (SCD30 Interface
/// Description v1.0 §1.1.3): polynomial 0x31 (x^8 + x^5 + x^4 + 1), init 0xFF, no reflection,
/// no final XOR. Check value: CRC(0xBEEF) = 0x92.
/// </summary>
public static class SensirionCrc
{
    /// <summary>A word on the wire: two data bytes, big-endian, then their CRC.</summary>
    public const int WordWithCrcBytes = 3;

    private const byte Polynomial = 0x31;
    private const byte Initial = 0xFF;

    /// <summary>The CRC of one 16-bit word as sent on the wire (high byte first).</summary>
    public static byte Compute(ushort word) => Compute([(byte)(word >> 8), (byte)word]);

    /// <summary>The CRC over <paramref name="data"/> (Sensirion only ever sends it two bytes at a time).</summary>
    public static byte Compute(ReadOnlySpan<byte> data)
    {
        // Bitwise rather than a table: at most 18 bytes per exchange, and it reads like the datasheet.
        byte crc = Initial;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x80) != 0 ? (byte)((crc << 1) ^ Polynomial) : (byte)(crc << 1);
            }
        }

        return crc;
    }

    /// <summary>Writes <paramref name="word"/> big-endian plus its CRC into the first 3 bytes of <paramref name="destination"/>.</summary>
    public static void WriteWord(Span<byte> destination, ushort word)
    {
        if (destination.Length < WordWithCrcBytes)
        {
            throw new ArgumentException($"needs {WordWithCrcBytes} bytes, got {destination.Length}", nameof(destination));
        }

        destination[0] = (byte)(word >> 8);
        destination[1] = (byte)word;
        destination[2] = Compute(destination[..2]);
    }

    /// <summary>Reads the word in the first 3 bytes of <paramref name="source"/>; false when its CRC does not match.</summary>
    public static bool TryReadWord(ReadOnlySpan<byte> source, out ushort word)
    {
        word = 0;
        if (source.Length < WordWithCrcBytes || Compute(source[..2]) != source[2]) return false;
        word = (ushort)((source[0] << 8) | source[1]);
        return true;
    }

    /// <summary>
    /// The index of the first word in <paramref name="data"/> (a whole number of word+CRC triples)
    /// whose CRC does not match, or -1 when all match.
    /// </summary>
    public static int FindBadWord(ReadOnlySpan<byte> data)
    {
        if (data.Length % WordWithCrcBytes != 0)
        {
            throw new ArgumentException($"length {data.Length} is not a multiple of {WordWithCrcBytes}", nameof(data));
        }

        for (int i = 0; i < data.Length / WordWithCrcBytes; i++)
        {
            var triple = data.Slice(i * WordWithCrcBytes, WordWithCrcBytes);
            if (Compute(triple[..2]) != triple[2]) return i;
        }

        return -1;
    }
}
