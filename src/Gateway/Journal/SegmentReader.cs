using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace FarmGateway.Journal;

/// <summary>
/// Reads one segment frame by frame and checks each one completely (length in range, inside the
/// file, the expected sequence, CRC). Reads the file by path with its own handle, so it never
/// touches the writer's handle; the journal's lock keeps it from racing an append.
/// </summary>
internal sealed class SegmentReader : IDisposable
{
    private const int ChunkBytes = 64 * 1024;

    private readonly SafeFileHandle _handle;
    private readonly long _fileLength;
    private byte[] _buffer = new byte[ChunkBytes];
    private long _bufferStart;
    private int _bufferCount;

    private SegmentReader(SafeFileHandle handle)
    {
        _handle = handle;
        _fileLength = RandomAccess.GetLength(handle);
    }

    public static SegmentReader Open(string path) =>
        new(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));

    public long FileLength => _fileLength;

    /// <summary>Where the next frame starts.</summary>
    public long Offset { get; private set; }

    /// <summary>Null when the file is too short for a header or the header is not valid.</summary>
    public SegmentHeader? ReadHeader()
    {
        Offset = 0;
        if (!Fill(0, JournalFormat.HeaderBytes)) return null;
        Offset = JournalFormat.HeaderBytes;
        return JournalFormat.DecodeHeader(_buffer.AsSpan(0, JournalFormat.HeaderBytes));
    }

    public void Seek(long offset) => Offset = offset;

    /// <summary>
    /// Reads the frame at <see cref="Offset"/> if it is whole and valid and carries
    /// <paramref name="expectedSequence"/>; then moves past it. The payload is only valid until
    /// the next call. False at the end of the file and at the first bad frame (Offset stays).
    /// </summary>
    public bool TryReadFrame(long expectedSequence, out ReadOnlySpan<byte> payload)
    {
        payload = default;
        if (!Fill(Offset, JournalFormat.FrameHeaderBytes)) return false;
        var header = _buffer.AsSpan((int)(Offset - _bufferStart), JournalFormat.FrameHeaderBytes);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        var sequence = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        if (length == 0 || length > DiskJournal.MaxPayloadBytes || sequence != expectedSequence) return false;
        var frameBytes = JournalFormat.FrameBytes((int)length);
        if (!Fill(Offset, frameBytes)) return false;
        var body = _buffer.AsSpan((int)(Offset - _bufferStart) + JournalFormat.FrameHeaderBytes, (int)length);
        if (JournalCrc.Compute(sequence, body) != crc) return false;
        payload = body;
        Offset += frameBytes;
        return true;
    }

    /// <summary>
    /// An estimate of how many records the bytes from <see cref="Offset"/> to the end held:
    /// frames whose length field still looks sane, plus one for a torn rest that is not all zeros.
    /// </summary>
    public long CountFramesInTail()
    {
        long frames = 0;
        var offset = Offset;
        while (Fill(offset, JournalFormat.FrameHeaderBytes))
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan((int)(offset - _bufferStart)));
            if (length == 0 || length > DiskJournal.MaxPayloadBytes || offset + JournalFormat.FrameBytes((int)length) > _fileLength) break;
            frames++;
            offset += JournalFormat.FrameBytes((int)length);
        }
        return frames + (IsZeroFrom(offset) ? 0 : 1);
    }

    public void Dispose() => _handle.Dispose();

    private bool IsZeroFrom(long offset)
    {
        while (offset < _fileLength)
        {
            var count = (int)Math.Min(ChunkBytes, _fileLength - offset);
            if (!Fill(offset, count)) return false;
            if (_buffer.AsSpan((int)(offset - _bufferStart), count).ContainsAnyExcept((byte)0)) return false;
            offset += count;
        }
        return true;
    }

    /// <summary>Makes bytes [offset, offset + count) available in the buffer; false past the end of the file.</summary>
    private bool Fill(long offset, int count)
    {
        if (offset + count > _fileLength) return false;
        if (offset >= _bufferStart && offset + count <= _bufferStart + _bufferCount) return true;
        if (_buffer.Length < count) _buffer = new byte[count];
        var want = (int)Math.Min(_buffer.Length, _fileLength - offset);
        var read = 0;
        while (read < want)
        {
            var n = RandomAccess.Read(_handle, _buffer.AsSpan(read, want - read), offset + read);
            if (n == 0) break;
            read += n;
        }
        _bufferStart = offset;
        _bufferCount = read;
        return read >= count;
    }
}
