using System.Buffers.Binary;
using System.Numerics;

namespace FarmGateway.Journal;

/// <summary>
/// CRC32C (Castagnoli, as in iSCSI and ext4) on <see cref="BitOperations.Crc32C(uint, ulong)"/>,
/// which uses the CPU instruction on x64 (SSE4.2) and arm64 (the Pi 4's Cortex-A72 has it).
/// Standard parameters: initial value and final xor 0xFFFFFFFF, so "123456789" gives 0xE3069283.
/// </summary>
internal static class JournalCrc
{
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(~0u, data);

    /// <summary>The frame checksum: over the sequence (8 bytes, little endian) and then the payload.</summary>
    public static uint Compute(long sequence, ReadOnlySpan<byte> payload) =>
        ~Update(BitOperations.Crc32C(~0u, (ulong)sequence), payload);

    private static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return crc;
    }
}
