using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace FarmGateway.Mqtt.Packets;

/// <summary>
/// UTF-8 encoded strings (spec 1.5.3): a 2-byte big-endian length, then well-formed UTF-8 with
/// no U+0000 [MQTT-1.5.3-1, MQTT-1.5.3-2]; at most 65,535 bytes.
/// </summary>
public static class MqttString
{
    public const int MaxBytes = ushort.MaxValue;

    /// <summary>Null when <paramref name="value"/> may be sent, otherwise why not.</summary>
    public static string? Check(string value)
    {
        if (value.Contains('\0')) return "contains U+0000";
        int count;
        try
        {
            count = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            return "contains a lone surrogate (not well-formed UTF-16, so no valid UTF-8 either)";
        }
        return count > MaxBytes ? $"is {count} bytes as UTF-8, more than {MaxBytes}" : null;
    }

    /// <summary>Null when <paramref name="utf8"/> is a valid MQTT string body, otherwise why not.</summary>
    public static string? Check(ReadOnlySpan<byte> utf8)
    {
        if (!Utf8.IsValid(utf8)) return "is not well-formed UTF-8";
        return utf8.Contains((byte)0) ? "contains U+0000" : null;
    }

    /// <summary>The length-prefixed encoding of a string that passed <see cref="Check(string)"/>.</summary>
    public static byte[] Encode(string value)
    {
        if (Check(value) is { } problem) throw new ArgumentException($"MQTT string {problem}", nameof(value));
        var bytes = new byte[2 + StrictUtf8.GetByteCount(value)];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)(bytes.Length - 2));
        StrictUtf8.GetBytes(value, bytes.AsSpan(2));
        return bytes;
    }

    /// <summary>Length-prefixed binary data (the will payload and the password, spec 3.1.3.4).</summary>
    public static byte[] EncodeBinary(ReadOnlySpan<byte> value)
    {
        if (value.Length > MaxBytes) throw new ArgumentException($"MQTT binary field is {value.Length} bytes, more than {MaxBytes}", nameof(value));
        var bytes = new byte[2 + value.Length];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)value.Length);
        value.CopyTo(bytes.AsSpan(2));
        return bytes;
    }

    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
