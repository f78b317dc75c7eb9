using System.Text;
using FarmGateway.Tests.Testing;
using FarmGateway.Uplinks.File;

namespace FarmGateway.Tests.Uplinks.File;

public sealed class NdjsonOutboxTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 10, 59, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private NdjsonOutbox Create(long maxFileBytes = 1024 * 1024, FailingDisk? disk = null) =>
        new(_dir.Path, "barn-1", maxFileBytes, _time, disk is null ? null : disk.Open);

    private static byte[] Lines(params string[] lines) => Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")));

    private string[] Completed() => Directory.GetFiles(_dir.Path, "*.ndjson").Select(Path.GetFileName).Order().ToArray()!;

    private string[] AllLines() =>
        Directory.GetFiles(_dir.Path).Order().SelectMany(System.IO.File.ReadAllLines).ToArray();

    [Fact]
    public void Append_FirstLines_AreReadableInThePartFileImmediately()
    {
        using var outbox = Create();
        outbox.Recover();
        outbox.Append(Lines("{\"a\":1}", "{\"a\":2}"));

        Assert.EndsWith("readings-barn-1-20261122T10Z-000001.ndjson.part", outbox.CurrentPath);
        Assert.Equal(["{\"a\":1}", "{\"a\":2}"], System.IO.File.ReadAllLines(outbox.CurrentPath!));
        Assert.Empty(Completed());
    }

    [Fact]
    public void Append_LinesWithoutFinalNewline_AreRefused()
    {
        using var outbox = Create();
        Assert.Throws<ArgumentException>(() => outbox.Append("{\"a\":1}"u8));
    }

    [Fact]
    public void Append_PastMaxFileBytes_CompletesTheFileAndStartsTheNext()
    {
        using var outbox = Create(maxFileBytes: 4096);
        outbox.Recover();
        var line = new string('x', 1000);
        for (var i = 0; i < 10; i++) outbox.Append(Lines(line));

        Assert.Equal(["readings-barn-1-20261122T10Z-000001.ndjson", "readings-barn-1-20261122T10Z-000002.ndjson"], Completed());
        Assert.All(Directory.GetFiles(_dir.Path), f => Assert.True(new FileInfo(f).Length <= 4096));
        Assert.Equal(10, AllLines().Length);
    }

    [Fact]
    public void RotateIfDue_NewHour_CompletesTheFileEvenWithoutNewData()
    {
        using var outbox = Create();
        outbox.Recover();
        outbox.Append(Lines("{\"hour\":10}"));

        _time.Advance(TimeSpan.FromMinutes(1));
        outbox.RotateIfDue();
        outbox.Append(Lines("{\"hour\":11}"));

        Assert.Equal(["readings-barn-1-20261122T10Z-000001.ndjson"], Completed());
        Assert.EndsWith("readings-barn-1-20261122T11Z-000001.ndjson.part", outbox.CurrentPath);
    }

    [Fact]
    public void Complete_RenamesThePartFileAndTheNextAppendCountsUp()
    {
        using var outbox = Create();
        outbox.Recover();
        outbox.Append(Lines("{\"a\":1}"));
        outbox.Complete();
        outbox.Append(Lines("{\"a\":2}"));
        outbox.Complete();

        Assert.Equal(["readings-barn-1-20261122T10Z-000001.ndjson", "readings-barn-1-20261122T10Z-000002.ndjson"], Completed());
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.part"));
        Assert.Equal(2, outbox.FilesCompleted);
    }

    [Fact]
    public void Complete_NothingWritten_LeavesNoEmptyFile()
    {
        using var outbox = Create();
        outbox.Recover();
        outbox.Complete();
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Recover_TornLastLine_IsCutAndTheFileCompleted()
    {
        var part = Path.Combine(_dir.Path, "readings-barn-1-20261122T09Z-000003.ndjson.part");
        System.IO.File.WriteAllText(part, "{\"a\":1}\n{\"a\":2}\n{\"a\":");

        using var outbox = Create();
        var recovery = outbox.Recover();

        Assert.Equal(new OutboxRecovery(FilesCompleted: 1, TornLinesCut: 1, TornBytesCut: 5), recovery);
        Assert.Equal(["readings-barn-1-20261122T09Z-000003.ndjson"], Completed());
        Assert.Equal(["{\"a\":1}", "{\"a\":2}"], AllLines());
    }

    [Fact]
    public void Recover_ZeroFilledTailAfterPowerCut_IsCut()
    {
        var part = Path.Combine(_dir.Path, "readings-barn-1-20261122T09Z-000001.ndjson.part");
        System.IO.File.WriteAllBytes(part, [.. Lines("{\"a\":1}"), .. new byte[8192]]);

        using var outbox = Create();
        var recovery = outbox.Recover();

        Assert.Equal(8192, recovery.TornBytesCut);
        Assert.Equal(["{\"a\":1}"], AllLines());
    }

    [Fact]
    public void Recover_PartFileWithoutAnyWholeLine_IsRemoved()
    {
        System.IO.File.WriteAllText(Path.Combine(_dir.Path, "readings-barn-1-20261122T09Z-000001.ndjson.part"), "{\"a\"");

        using var outbox = Create();
        outbox.Recover();

        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Recover_CompletedFilesOfTheSameHour_NewFileCountsOnFromThem()
    {
        System.IO.File.WriteAllText(Path.Combine(_dir.Path, "readings-barn-1-20261122T10Z-000007.ndjson"), "{}\n");
        using var outbox = Create();
        outbox.Recover();
        outbox.Append(Lines("{}"));
        Assert.EndsWith("-20261122T10Z-000008.ndjson.part", outbox.CurrentPath);
    }

    [Fact]
    public void Append_DiskFullMidWrite_CutsTheHalfLineAndThrows()
    {
        var disk = new FailingDisk();
        using var outbox = Create(disk: disk);
        outbox.Recover();
        outbox.Append(Lines("{\"a\":1}"));
        disk.Full = true;

        var error = Assert.Throws<IOException>(() => outbox.Append(Lines("{\"a\":2}", "{\"a\":3}")));

        Assert.Equal(FailingDisk.Enospc, error.HResult);
        Assert.Equal("{\"a\":1}\n", System.IO.File.ReadAllText(outbox.CurrentPath!));
    }

    [Fact]
    public void Append_AfterDiskFullClears_WritesTheRetriedLinesOnce()
    {
        var disk = new FailingDisk { Full = true };
        using var outbox = Create(disk: disk);
        outbox.Recover();
        var batch = Lines("{\"a\":1}", "{\"a\":2}");
        Assert.Throws<IOException>(() => outbox.Append(batch));
        disk.Full = false;
        outbox.Append(batch);
        outbox.Complete();

        Assert.Equal(["{\"a\":1}", "{\"a\":2}"], AllLines());
    }

    [Fact]
    public void Append_DiskRefusesEvenTheCut_NextLinesGoToANewFileAndRecoveryRepairsTheOld()
    {
        var disk = new FailingDisk();
        using (var outbox = Create(disk: disk))
        {
            outbox.Recover();
            outbox.Append(Lines("{\"a\":1}"));
            disk.Full = true;
            disk.RefuseTruncate = true;
            Assert.Throws<IOException>(() => outbox.Append(Lines("{\"a\":2}")));
            disk.Full = false;
            disk.RefuseTruncate = false;
            outbox.Append(Lines("{\"a\":2}"));
            outbox.Complete();
        }

        using var restarted = Create();
        restarted.Recover();

        Assert.Empty(Directory.GetFiles(_dir.Path, "*.part"));
        Assert.Equal(["{\"a\":1}", "{\"a\":2}"], AllLines());
    }
}
