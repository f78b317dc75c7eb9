using System.Text;
using FarmGateway.Journal;
using FarmGateway.Tests.Testing;
using FarmGateway.Uplinks.File;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FarmGateway.Tests.Uplinks.File;

public sealed class FileUplinkTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 10, 30, 0, TimeSpan.Zero));
    private readonly FailingDisk _disk = new();
    private FileUplink _uplink = null!;

    public async Task InitializeAsync()
    {
        _uplink = new FileUplink(Options.Create(TestOptions.Gateway(_dir.Path)), _disk.Open, _time, NullLogger<FileUplink>.Instance);
        await _uplink.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _uplink.DisposeAsync();
        _dir.Dispose();
    }

    private string Outbox => Path.Combine(_dir.Path, "outbox");

    private static JournalRecord Record(long sequence) =>
        new("1f3a9c0d", sequence, Encoding.UTF8.GetBytes($"{{\"v\":1,\"seq\":{sequence}}}"));

    private string[] Lines() => Directory.GetFiles(Outbox).Order().SelectMany(System.IO.File.ReadAllLines).ToArray();

    [Fact]
    public async Task SendAsync_WritesEachRecordAsOneLineUnchanged()
    {
        await _uplink.SendAsync([Record(1), Record(2)], CancellationToken.None);

        Assert.Equal(["{\"v\":1,\"seq\":1}", "{\"v\":1,\"seq\":2}"], Lines());
    }

    [Fact]
    public async Task SendAsync_DiskFull_ThrowsWithoutLeavingAHalfLine_AndTheRetryLandsOnce()
    {
        await _uplink.SendAsync([Record(1)], CancellationToken.None);
        _disk.Full = true;

        await Assert.ThrowsAsync<IOException>(() => _uplink.SendAsync([Record(2), Record(3)], CancellationToken.None));
        Assert.Equal(["{\"v\":1,\"seq\":1}"], Lines());

        _disk.Full = false;
        await _uplink.SendAsync([Record(2), Record(3)], CancellationToken.None);
        Assert.Equal(3, Lines().Length);
    }

    [Fact]
    public async Task TickAsync_AfterTheHour_CompletesTheFile()
    {
        await _uplink.SendAsync([Record(1)], CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(30));

        await _uplink.TickAsync(CancellationToken.None);

        Assert.Single(Directory.GetFiles(Outbox, "*.ndjson"));
        Assert.Empty(Directory.GetFiles(Outbox, "*.part"));
    }

    [Fact]
    public async Task DisposeAsync_CompletesTheFile_AndIsSafeTwice()
    {
        await _uplink.SendAsync([Record(1)], CancellationToken.None);

        await _uplink.DisposeAsync();
        await _uplink.DisposeAsync();

        Assert.Equal(["readings-barn-1-20261122T10Z-000001.ndjson"], Directory.GetFiles(Outbox).Select(Path.GetFileName));
    }
}
