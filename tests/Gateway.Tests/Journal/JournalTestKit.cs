using System.Text;
using FarmGateway.Journal;
using FarmGateway.Storage;
using FarmGateway.Tests.Testing;

namespace FarmGateway.Tests.Journal;

/// <summary>A journal in a temp folder with a fake clock; payloads of a fixed size so segment math is easy.</summary>
public abstract class JournalTestKit : IDisposable
{
    /// <summary>"record-0000": 11 bytes, so a frame is 27 bytes.</summary>
    protected const int PayloadBytes = 11;
    protected const int FrameBytes = 16 + PayloadBytes;
    protected const int HeaderBytes = 32;

    /// <summary>Room for exactly four frames per segment.</summary>
    protected const long FourPerSegment = HeaderBytes + 4 * FrameBytes;

    protected TempDirectory Dir { get; } = new();
    protected FakeTimeProvider Time { get; } = new();

    public void Dispose()
    {
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }

    protected static JournalOptions Options(long segmentBytes = 1 << 20, long maxBytes = 1 << 24, TimeSpan? flushInterval = null) =>
        new() { SegmentBytes = segmentBytes, MaxBytes = maxBytes, FlushInterval = flushInterval ?? TimeSpan.Zero };

    protected DiskJournal Open(JournalOptions? options = null, AppendFileOpener? openFile = null) =>
        DiskJournal.Open(Dir.Path, options ?? Options(), Time, openFile);

    protected static byte[] Payload(long n) => Encoding.ASCII.GetBytes($"record-{n:D4}");

    protected static string Text(JournalRecord record) => Encoding.ASCII.GetString(record.Payload.Span);

    protected static void AppendMany(DiskJournal journal, int from, int count)
    {
        for (var i = from; i < from + count; i++) journal.Append(Payload(i));
    }

    protected static long[] ReadAll(DiskJournal journal, string cursor) =>
        [.. journal.Read(cursor, int.MaxValue, long.MaxValue).Select(r => r.Sequence)];

    protected string[] SegmentFiles() =>
        [.. Directory.GetFiles(Dir.Path, "*.seg").Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    protected string SegmentPath(int index) => Dir.Combine(SegmentFiles()[index]);

    protected static void FlipByte(string path, long offset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        var b = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(b ^ 0x5A));
    }
}
