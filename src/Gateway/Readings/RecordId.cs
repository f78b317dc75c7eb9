using System.Security.Cryptography;

namespace FarmGateway.Readings;

/// <summary>
/// The stable id of one accepted reading: <c>gateway:epoch:sequence</c>. The epoch is random
/// per store (8 hex digits) and the sequence counts up within it, so an id is never reused and
/// a retry of the same record carries the same id (the cloud drops duplicates by it).
/// </summary>
public readonly record struct RecordId(string Epoch, long Sequence)
{
    public const int SequenceDigits = 12;

    public static string NewEpoch() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    public string Format(string gatewayId) =>
        $"{gatewayId}:{Epoch}:{Sequence.ToString("D" + SequenceDigits, System.Globalization.CultureInfo.InvariantCulture)}";
}
