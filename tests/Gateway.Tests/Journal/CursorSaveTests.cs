using FarmGateway.Journal;

namespace FarmGateway.Tests.Journal;

/// <summary>
/// Cursor files are rewritten at most every <see cref="DiskJournal.CursorSaveInterval"/> (two
/// fsyncs each), not per batch. After a crash the cursor may be a few seconds behind: records
/// are sent again, never skipped.
/// </summary>
public sealed class CursorSaveTests : JournalTestKit
{
    private string CursorText(string name) => File.ReadAllText(CursorFile.PathFor(Dir.Path, name)).Trim();

    private DiskJournal OpenWithRecords(int count)
    {
        var journal = Open();
        for (var i = 0; i < count; i++) journal.Append(Payload(i));
        journal.Flush();
        journal.OpenCursor("kinesis", CursorStart.Oldest);
        return journal;
    }

    [Fact]
    public void Acks_WithinTheInterval_AreSavedOnce_ThenAtTheNextDueSave()
    {
        using var journal = OpenWithRecords(6);
        journal.Ack("kinesis", 1);
        Assert.Equal("1", CursorText("kinesis")); // the first ack is saved at once
        journal.Ack("kinesis", 3);
        journal.SaveCursors();
        Assert.Equal("1", CursorText("kinesis")); // 3 is only in memory until the interval passed

        Time.Advance(DiskJournal.CursorSaveInterval);
        journal.SaveCursors(); // what an idle uplink calls
        Assert.Equal("3", CursorText("kinesis"));
    }

    [Fact]
    public void Close_SavesWhatIsBehind()
    {
        using (var journal = OpenWithRecords(4))
        {
            journal.Ack("kinesis", 0);
            journal.Ack("kinesis", 2);
        }
        Assert.Equal("2", CursorText("kinesis"));
    }

    [Fact]
    public void CrashBeforeTheSave_TheUnsavedRecordsAreReadAgain_NothingIsSkipped()
    {
        var journal = OpenWithRecords(5);
        journal.Ack("kinesis", 0);
        journal.Ack("kinesis", 3); // delivered, not yet saved; then the process dies (no Dispose)

        using var reopened = Open();
        var again = reopened.Read("kinesis", 10, 1 << 20);
        Assert.Equal([1L, 2, 3, 4], again.Select(r => r.Sequence)); // resent with the same ids
        GC.KeepAlive(journal);
    }
}
