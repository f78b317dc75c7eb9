using FarmGateway.Tests.Testing;
using FarmGateway.Uplinks;
using static FarmGateway.Tests.Uplinks.ApiGateway.Endpoint.ApiGatewayTestKit;
using Answer = FarmGateway.Tests.Testing.FakeApiGateway.Answer;

namespace FarmGateway.Tests.Uplinks.ApiGateway.Endpoint;

/// <summary>
/// The ApiGateway uplink behind the real worker and journal, against the Kestrel endpoint:
/// what the contract's 413, 504-after-storing and 400 do to the readings as a whole.
/// BatchInterval is 0: the worker runs on a fake clock that these tests do not move.
/// </summary>
public sealed class ApiGatewayWorkerTests
{
    [Fact]
    public async Task RequestTooLarge_TheWorkerSplitsIt_AndEveryReadingArrivesOnce()
    {
        await using var fake = await FakeApiGateway.StartAsync();
        fake.MaxBodyBytes = 4 * 1024; // about a dozen records; the first request holds 40
        await using var pipeline = new PipelineHarness(Uplink(Options(fake, o => (o.MaxBatchRecords, o.BatchInterval) = (40, TimeSpan.Zero))), flushInterval: TimeSpan.FromSeconds(1));
        await pipeline.StartAsync();
        await pipeline.ProduceAndCommitAsync(40, TimeSpan.FromSeconds(1));

        await Eventually.True(() => pipeline.Backlog("apigateway") == 0, "all 40 acknowledged");
        Assert.Equal(40, fake.Records.Count);
        Assert.Equal(40, fake.ReceivedIds.Count); // none twice
        Assert.Contains(fake.Requests, r => r.Status == 413);
        Assert.Equal(0, pipeline.Statuses.All.Single().Quarantined);
    }

    [Fact]
    public async Task GatewayTimeoutAfterTheRecordsWereTaken_TheResendRepeatsTheSameIds_AndTheEndpointKeepsEachOnce()
    {
        await using var fake = await FakeApiGateway.StartAsync();
        fake.Enqueue(Answer.StoreThen(504));
        await using var pipeline = new PipelineHarness(Uplink(Options(fake, o => o.BatchInterval = TimeSpan.Zero)), flushInterval: TimeSpan.FromSeconds(1));
        await pipeline.StartAsync();
        await pipeline.ProduceAndCommitAsync(5, TimeSpan.FromSeconds(1));

        await Eventually.True(() => pipeline.Backlog("apigateway") == 0, "all 5 acknowledged", context: () => string.Join(",", fake.Requests.Select(r => r.Status)) + " " + pipeline.Statuses.All.Single().LastError);
        Assert.Equal(10, fake.ReceivedIds.Count); // the batch twice: once answered 504, once 200
        Assert.Equal(5, fake.Records.Count);
        Assert.Empty(fake.Conflicts); // the repeat is byte-identical
    }

    [Fact]
    public async Task BadRequest_TheRefusedReadingIsFoundAndQuarantined_TheOthersArrive()
    {
        await using var fake = await FakeApiGateway.StartAsync();
        fake.Enqueue(Answer.Error(400, "{\"message\":\"record 3 has no sensor\"}"), times: 4); // 8 -> 4 -> 2 -> 1
        await using var pipeline = new PipelineHarness(Uplink(Options(fake, o => (o.MaxBatchRecords, o.BatchInterval) = (8, TimeSpan.Zero))), flushInterval: TimeSpan.FromSeconds(1));
        await pipeline.StartAsync();
        await pipeline.ProduceAndCommitAsync(8, TimeSpan.FromSeconds(1));

        await Eventually.True(() => pipeline.Backlog("apigateway") == 0, "all 8 acknowledged", context: () => string.Join(",", fake.Requests.Select(r => r.Status)) + " " + pipeline.Statuses.All.Single().LastError);
        Assert.Equal(7, fake.Records.Count);
        Assert.Equal(1, pipeline.Statuses.All.Single().Quarantined);
        var quarantine = System.IO.File.ReadAllText(Path.Combine(pipeline.Directory, "quarantine", "apigateway.ndjson"));
        Assert.Contains("record 3 has no sensor", quarantine);
    }
}
