using System.Text.Json;
using FarmGateway.Drivers;
using FarmGateway.Hosting;
using FarmGateway.Readings;
using FarmGateway.Status;
using FarmGateway.Storage;
using FarmGateway.Tests.Testing;
using FarmGateway.Uplinks.File;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FarmGateway.Tests.Uplinks.File;

public sealed class FileUplinkServiceTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
    private readonly GatewayCounters _counters = new();
    private readonly FailingDisk _disk = new();
    private ReadingQueue _queue = null!;
    private FileUplinkService _service = null!;

    public async Task InitializeAsync()
    {
        _queue = new ReadingQueue(_counters);
        var options = TestOptions.Gateway(_dir.Path);
        _service = new FileUplinkService(Options.Create(options), _queue, _counters, new LoopHealth(_time),
            _disk.Open, _time, NullLogger<FileUplinkService>.Instance);
        await _service.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _service.StopAsync(CancellationToken.None);
        _service.Dispose();
        _dir.Dispose();
    }

    private string Outbox => Path.Combine(_dir.Path, "outbox");

    private void Produce(int count)
    {
        for (var i = 0; i < count; i++)
            Assert.True(_queue.TryAdd(new Reading("sim-1", "Simulated-DHT22", _time.GetUtcNow().AddSeconds(i), true, new ClimateSample(20 + i, 50))));
    }

    private List<JsonElement> Records() =>
        Directory.GetFiles(Outbox).Order().SelectMany(System.IO.File.ReadAllLines)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Fact]
    public async Task Readings_AreWrittenAtOnce_AndAcceptedOnlyAfterTheGroupFsync()
    {
        Produce(3);
        await Eventually.True(() => Records().Count == 3, "3 lines in the outbox");
        Assert.Equal(0, _counters.Accepted);

        _time.Advance(TimeSpan.FromSeconds(1));

        await Eventually.True(() => _counters.Accepted == 3, "3 readings accepted after the flush interval");
        Assert.Equal([20.0, 21.0, 22.0], Records().Select(r => r.GetProperty("temperature").GetDouble()));
    }

    [Fact]
    public async Task Ids_AreUniqueAndCountUpInOrder()
    {
        Produce(50);
        await Eventually.True(() => Records().Count == 50, "50 lines");
        var ids = Records().Select(r => r.GetProperty("id").GetString()!).ToList();
        Assert.Equal(50, ids.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), ids.Select(id => long.Parse(id.Split(':')[2])));
        Assert.All(ids, id => Assert.StartsWith("barn-1:", id));
    }

    [Fact]
    public async Task DiskFull_HeldRecordsAreRetriedWithTheSameIds_AndNothingIsTornOrLost()
    {
        _disk.Full = true;
        Produce(5);
        await Eventually.True(() => _counters.WriteFailures >= 1, "a failed write is counted");
        Assert.True(_disk.FailedAppends >= 1);
        Assert.Empty(Records());

        _disk.Full = false;
        Produce(2);
        _time.Advance(TimeSpan.FromSeconds(1)); // the first retry is due after one second

        await Eventually.True(() => Records().Count == 7, "all 7 records after the disk has room again");
        var ids = Records().Select(r => r.GetProperty("id").GetString()!).ToList();
        Assert.Equal(7, ids.Distinct().Count());
        Assert.Empty(_counters.Dropped);
    }

    [Fact]
    public async Task Stop_DrainsTheQueue_FsyncsAndCompletesTheFile()
    {
        Produce(4);
        _queue.Complete();

        await _service.StopAsync(CancellationToken.None);

        Assert.Equal(4, _counters.Accepted);
        Assert.Empty(Directory.GetFiles(Outbox, "*.part"));
        Assert.Equal(4, Records().Count);
    }

    [Fact]
    public async Task NewHour_CompletesTheFileWithoutNewReadings()
    {
        Produce(1);
        await Eventually.True(() => Records().Count == 1, "one line");

        _time.Advance(TimeSpan.FromHours(1));

        await Eventually.True(() => Directory.GetFiles(Outbox, "*.ndjson").Length == 1, "the hour's file completed");
        Assert.Equal(1, _counters.Accepted);
    }
}
