using System.Diagnostics;
using FarmGateway.Mqtt.Packets;

namespace FarmGateway.Tests.Mqtt;

/// <summary>
/// Random and mutated byte streams through the decoder and the frame reader with a fixed seed:
/// nothing may throw, and every input must end as packets, "need more" or a protocol error.
/// </summary>
public sealed class MqttDecoderFuzzTests
{
    private const int Inputs = 120_000;
    private const int MaxPacketBytes = 4096;

    private static readonly byte[][] ValidFrames =
    [
        Convert.FromHexString("20020000"),
        Convert.FromHexString("20020100"),
        Convert.FromHexString("20020005"),
        Convert.FromHexString("3B090003612F6212340102"),
        Convert.FromHexString("3003000174"),
        Convert.FromHexString("320B0004C3A9C3A9000778797A"),
        Convert.FromHexString("40020102"),
        Convert.FromHexString("90050007000180"),
        Convert.FromHexString("B0020009"),
        Convert.FromHexString("D000"),
        MqttPacketEncoder.Publish("barn/sensor/state", new byte[300], MqttQos.AtLeastOnce, true, false, 77),
    ];

    [Fact]
    public void DecodeAndFrameReader_RandomAndMutatedInputs_NeverThrowAndAlwaysEndInAKnownState()
    {
        var random = new Random(20261122);
        var watch = Stopwatch.StartNew();
        var outcomes = new int[3];
        for (var index = 0; index < Inputs; index++)
        {
            var input = NextInput(random, index);
            try
            {
                var direct = MqttPacketDecoder.Decode(input, MaxPacketBytes);
                CheckResult(direct, input.Length);
                outcomes[(int)ThroughReader(input, random)]++;
            }
            catch (Exception e)
            {
                Assert.Fail($"input {index} ({Convert.ToHexString(input.AsSpan(0, Math.Min(64, input.Length)))}) threw {e}");
            }
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"fuzzing took {watch.Elapsed}");
        // A fuzzer that only ever produced errors would prove little.
        Assert.All(outcomes, count => Assert.True(count > 1000, $"outcomes packet/need-more/error: {string.Join('/', outcomes)}"));
    }

    private static void CheckResult(MqttDecodeResult result, int inputLength)
    {
        switch (result.Status)
        {
            case MqttDecodeStatus.Packet:
                Assert.NotNull(result.Packet);
                Assert.InRange(result.Consumed, 2, inputLength);
                break;
            case MqttDecodeStatus.NeedMore:
                Assert.Null(result.Packet);
                break;
            case MqttDecodeStatus.Error:
                Assert.False(string.IsNullOrEmpty(result.Error?.Reason));
                break;
            default:
                Assert.Fail($"unknown status {result.Status}");
                break;
        }
    }

    /// <summary>Feeds the input in random pieces; returns how the stream ended.</summary>
    private static MqttDecodeStatus ThroughReader(byte[] input, Random random)
    {
        var reader = new MqttFrameReader(MaxPacketBytes);
        var offset = 0;
        var sawPacket = false;
        while (offset < input.Length)
        {
            var piece = Math.Min(input.Length - offset, 1 + random.Next(Math.Max(1, input.Length)));
            reader.Append(input.AsSpan(offset, piece));
            offset += piece;
            while (true)
            {
                var result = reader.ReadNext();
                CheckResult(result, int.MaxValue);
                if (result.Status == MqttDecodeStatus.Error) return MqttDecodeStatus.Error;
                if (result.Status == MqttDecodeStatus.NeedMore) break;
                sawPacket = true;
            }
            Assert.True(reader.Buffered <= MaxPacketBytes + input.Length);
        }
        return sawPacket && reader.Buffered == 0 ? MqttDecodeStatus.Packet : MqttDecodeStatus.NeedMore;
    }

    private static byte[] NextInput(Random random, int index)
    {
        switch (index % 6)
        {
            case 0: // pure noise
            {
                var noise = new byte[random.Next(0, 64)];
                random.NextBytes(noise);
                return noise;
            }
            case 1: // bit flips in a valid frame
            {
                var frame = Pick(random);
                for (var flips = random.Next(1, 4); flips > 0; flips--) frame[random.Next(frame.Length)] ^= (byte)(1 << random.Next(8));
                return frame;
            }
            case 2: // truncation
            {
                var frame = Pick(random);
                return frame[..random.Next(frame.Length)];
            }
            case 3: // remaining length corrupted: random bytes, continuation bits, huge values
            {
                var frame = Pick(random);
                var length = new byte[random.Next(1, 6)];
                random.NextBytes(length);
                if (random.Next(2) == 0) for (var i = 0; i < length.Length - 1; i++) length[i] |= 0x80;
                return [frame[0], .. length, .. frame.AsSpan(Math.Min(frame.Length, 2))];
            }
            case 4: // several valid frames, one mutated, as one stream
            {
                var frames = Enumerable.Range(0, random.Next(2, 6)).Select(_ => Pick(random)).ToList();
                var victim = frames[random.Next(frames.Count)];
                if (random.Next(3) > 0) victim[random.Next(victim.Length)] = (byte)random.Next(256);
                return [.. frames.SelectMany(f => f)];
            }
            default: // untouched valid frames back to back
                return [.. Enumerable.Range(0, random.Next(1, 4)).SelectMany(_ => Pick(random))];
        }
    }

    private static byte[] Pick(Random random) => (byte[])ValidFrames[random.Next(ValidFrames.Length)].Clone();
}
