using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace FarmGateway.Journal;

/// <summary>
/// The bytes on disk: segment header, record frame and file names (the layout is drawn at the
/// top of <see cref="DiskJournal"/>). Pure functions, so the format is tested without a disk.
/// </summary>
internal static class JournalFormat
{
    public const string SegmentExtension = ".seg";
    public const string QuarantineExtension = ".corrupt";
    public const string TempExtension = ".tmp";
    public const ushort Version = 1;
    public const int HeaderBytes = 32;
    public const int FrameHeaderBytes = 16;

    /// <summary>"FGJS": farm gateway journal segment.</summary>
    private static ReadOnlySpan<byte> Magic => "FGJS"u8;

    /// <summary>Sortable by name = sortable by sequence: 20 digits hold any non-negative long.</summary>
    public static string SegmentFileName(long firstSequence) =>
        firstSequence.ToString("D20", CultureInfo.InvariantCulture) + SegmentExtension;

    public static bool TryParseSegmentFileName(string fileName, out long firstSequence)
    {
        firstSequence = -1;
        return fileName.EndsWith(SegmentExtension, StringComparison.Ordinal)
            && fileName.Length == 20 + SegmentExtension.Length
            && long.TryParse(fileName.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out firstSequence);
    }

    public static bool IsEpoch(string? text) =>
        text is { Length: 8 } && text.All(char.IsAsciiHexDigitLower);

    public static byte[] EncodeHeader(string epoch, long firstSequence)
    {
        var header = new byte[HeaderBytes];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), Version);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), HeaderBytes);
        Encoding.ASCII.GetBytes(epoch, header.AsSpan(8, 8));
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), firstSequence);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(28), JournalCrc.Compute(header.AsSpan(0, 28)));
        return header;
    }

    /// <summary>Null when the header is not one this version wrote (wrong magic, version or CRC).</summary>
    public static SegmentHeader? DecodeHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length < HeaderBytes || !header[..4].SequenceEqual(Magic)) return null;
        if (BinaryPrimitives.ReadUInt16LittleEndian(header[4..]) != Version) return null;
        if (BinaryPrimitives.ReadUInt16LittleEndian(header[6..]) != HeaderBytes) return null;
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[28..]) != JournalCrc.Compute(header[..28])) return null;
        var epoch = Encoding.ASCII.GetString(header.Slice(8, 8));
        var first = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        return IsEpoch(epoch) && first >= 0 ? new SegmentHeader(epoch, first) : null;
    }

    /// <summary>Writes the whole frame (header + payload) into <paramref name="frame"/>, sized <see cref="FrameBytes"/>.</summary>
    public static void EncodeFrame(Span<byte> frame, long sequence, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], JournalCrc.Compute(sequence, payload));
        BinaryPrimitives.WriteInt64LittleEndian(frame[8..], sequence);
        payload.CopyTo(frame[FrameHeaderBytes..]);
    }

    public static int FrameBytes(int payloadBytes) => FrameHeaderBytes + payloadBytes;
}

/// <summary>What a segment header says: which epoch wrote it and the sequence of its first record.</summary>
internal readonly record struct SegmentHeader(string Epoch, long FirstSequence);
