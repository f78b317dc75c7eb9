namespace FarmGateway.Mqtt.Packets;

/// <summary>
/// Reassembles packets from bytes that arrive split anywhere. Socket reads go straight into
/// <see cref="GetMemory"/>, then <see cref="Advance"/>; <see cref="ReadNext"/> hands out whole
/// packets. The buffer never grows past the maximum packet size (plus one read), because the
/// decoder rejects a too-large length as soon as the fixed header is in.
/// Not thread-safe: one read loop owns it.
/// </summary>
public sealed class MqttFrameReader(int maxPacketBytes = MqttPacketDecoder.DefaultMaxPacketBytes)
{
    private const int MinimumRead = 4096;
    private byte[] _buffer = new byte[MinimumRead];
    private int _start;
    private int _end;

    public int MaxPacketBytes { get; } = maxPacketBytes;

    /// <summary>Bytes received and not yet part of a returned packet.</summary>
    public int Buffered => _end - _start;

    public Memory<byte> GetMemory(int sizeHint = MinimumRead)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer.Length - _end < sizeHint)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, Buffered);
                _end -= _start;
                _start = 0;
            }
            if (_buffer.Length - _end < sizeHint) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _end + sizeHint));
        }
        return _buffer.AsMemory(_end);
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _end);
        _end += count;
    }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetMemory(bytes.Length).Span);
        Advance(bytes.Length);
    }

    /// <summary>The next whole packet, "need more", or the protocol error that ends the connection.</summary>
    public MqttDecodeResult ReadNext()
    {
        var result = MqttPacketDecoder.Decode(_buffer.AsSpan(_start, Buffered), MaxPacketBytes);
        if (result.Status == MqttDecodeStatus.Packet)
        {
            _start += result.Consumed;
            if (_start == _end) _start = _end = 0;
        }
        return result;
    }

    public void Reset() => _start = _end = 0;
}
