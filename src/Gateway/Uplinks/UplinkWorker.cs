using FarmGateway.Configuration;
using FarmGateway.Diagnostics;
using FarmGateway.Journal;
using FarmGateway.Readings;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FarmGateway.Uplinks;

/// <summary>
/// Moves records from the journal to one uplink: read a batch from the uplink's cursor, send it,
/// acknowledge it. The one place that decides about retries for that uplink.
///
/// Invariants:
/// - The cursor moves only past records the uplink confirmed (SendAsync returned); after a
///   failure the read position goes back to the cursor, so nothing unsent is ever skipped.
/// - While the uplink fails, the worker backs off (1 s doubling to 60 s, with jitter) and the
///   journal holds the records; the state change is logged once, not every attempt.
/// - On stop, once the journal has taken the last readings, whatever is durable is delivered
///   in a last pass (bounded in time); what cannot be sent stays in the journal.
/// </summary>
public sealed class UplinkWorker(
    IUplink uplink,
    UplinkStatuses statuses,
    DiskJournal journal,
    JournalService journalService,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<UplinkWorker> logger) : BackgroundService
{
    private static readonly TimeSpan IdleTick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ShutdownBudget = TimeSpan.FromSeconds(10);

    private readonly UplinkStatus status = statuses.Add(uplink.Name);
    private readonly Backoff _backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));

    public IUplink Uplink => uplink;
    public UplinkStatus Status => status;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        journal.OpenCursor(uplink.Name, options.Value.Journal.NewUplinkStart);
        await uplink.StartAsync(cancellationToken);
        var backlog = journal.GetStats().Cursors.FirstOrDefault(c => c.Name == uplink.Name)?.BacklogRecords ?? 0;
        UplinkLog.Started(logger, uplink.Name, backlog);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Read the durable point first: a record that becomes durable right after an
                // empty read is then waited for, not missed until the next tick.
                var durable = journal.DurableSequence;
                var batch = journal.Read(uplink.Name, uplink.Limits.MaxBatchRecords, uplink.Limits.MaxBatchBytes);
                if (batch.Count == 0)
                {
                    status.Idle();
                    await WaitForRecordsAsync(durable + 1, stoppingToken);
                    await uplink.TickAsync(stoppingToken);
                    continue;
                }
                if (!await TrySendAsync(batch, stoppingToken))
                    await Task.Delay(_backoff.Fail(), time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // After a shutdown timeout the loop may still be running (stuck on the disk or the
        // network); never run the last pass beside it.
        if (ExecuteTask is { IsCompleted: false }) return;
        await DeliverRemainingAsync();
        status.Stop();
        await uplink.DisposeAsync();
    }

    /// <summary>Sends and acknowledges a batch; false (read position rewound) when it failed.</summary>
    private async Task<bool> TrySendAsync(IReadOnlyList<JournalRecord> batch, CancellationToken cancellationToken)
    {
        status.Sending(RecordTimestamp.TryRead(batch[0].Payload.Span));
        try
        {
            _ = await uplink.SendAsync(batch, cancellationToken);
            journal.Ack(uplink.Name, batch[^1].Sequence);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            journal.Rewind(uplink.Name);
            var first = !_backoff.Failing;
            status.Failed(e.Message);
            if (first) UplinkLog.Failing(logger, uplink.Name, e.Message, TimeSpan.FromSeconds(1));
            return false;
        }
        if (_backoff.Failing) UplinkLog.Recovered(logger, uplink.Name, status.FailedAttempts);
        _backoff.Reset();
        status.Delivered(batch.Count, time.GetUtcNow());
        return true;
    }

    /// <summary>Waits until <paramref name="sequence"/> becomes durable, or an idle tick passes.</summary>
    private async Task WaitForRecordsAsync(long sequence, CancellationToken stoppingToken)
    {
        using var tick = new CancellationTokenSource(IdleTick, time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, tick.Token);
        try
        {
            await journal.WaitDurableAsync(sequence, wait.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException)
        {
            // The journal closed under us at shutdown: nothing more will come.
        }
    }

    private async Task DeliverRemainingAsync()
    {
        using var budget = new CancellationTokenSource(ShutdownBudget, time);
        try
        {
            await journalService.Drained.WaitAsync(budget.Token);
            journal.Rewind(uplink.Name);
            while (journal.Read(uplink.Name, uplink.Limits.MaxBatchRecords, uplink.Limits.MaxBatchBytes) is { Count: > 0 } batch)
                if (!await TrySendAsync(batch, budget.Token)) break;
        }
        catch (OperationCanceledException)
        {
        }
        var left = journal.GetStats().Cursors.FirstOrDefault(c => c.Name == uplink.Name)?.BacklogRecords ?? 0;
        if (left > 0) UplinkLog.LeftAtShutdown(logger, uplink.Name, left);
    }
}
