using System.Text;
using FarmGateway.Journal;

namespace FarmGateway.Tests.Journal;

public sealed class JournalCrcTests
{
    [Fact]
    public void Compute_StandardCheckInput_GivesTheCrc32cCheckValue()
    {
        Assert.Equal(0xE3069283u, JournalCrc.Compute("123456789"u8));
    }

    [Fact]
    public void Compute_SequenceAndPayload_EqualsCrcOverTheirBytes()
    {
        var payload = Encoding.ASCII.GetBytes("record-0042");
        var bytes = BitConverter.GetBytes(42L).Concat(payload).ToArray();

        Assert.Equal(JournalCrc.Compute(bytes), JournalCrc.Compute(42, payload));
    }
}
