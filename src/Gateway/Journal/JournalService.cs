using System.Buffers;
using FarmGateway.Configuration;
using FarmGateway.Diagnostics;
using FarmGateway.Hosting;
using FarmGateway.Readings;
using FarmGateway.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FarmGateway.Journal;

/// <summary>
/// The single writer of the journal: takes readings from the queue, gives each its record id
/// (journal epoch + the sequence it is about to get), serializes it once, and appends it. The
/// journal's group commit makes it durable; only then does it count as accepted. When the disk
/// refuses a write, the reading is held (same id) and retried with backoff while new readings
/// wait in the bounded queue. On stop it appends whatever is still queued, fsyncs, and signals
/// <see cref="Drained"/> so the uplinks can deliver the last records.
/// </summary>
public sealed class JournalService(
    DiskJournal journal,
    IEnumerable<Uplinks.IUplink> uplinks,
    IOptions<GatewayOptions> options,
    ReadingQueue queue,
    GatewayCounters counters,
    LoopHealth health,
    TimeProvider time,
    ILogger<JournalService> logger) : BackgroundService
{
    public const string LoopName = "journal";
    private static readonly TimeSpan IdleTick = TimeSpan.FromSeconds(1);

    private readonly RecordSerializer _serializer = new(new GatewayIdentity(options.Value.Id!, options.Value.Site, options.Value.Location));
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Backoff _backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Reading? _held;
    private long _firstSequence;
    private long _countedDurable;
    private int _draining;
    private TimeSpan _retryDelay;

    /// <summary>Completes once the queue is empty and everything appended is durable (after stop begins).</summary>
    public Task Drained => _drained.Task;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        ReleaseRemovedUplinks();
        _firstSequence = journal.NextSequence;
        _countedDurable = _firstSequence - 1;
        health.Register(LoopName, TimeSpan.FromSeconds(30) + 3 * options.Value.Journal.FlushInterval);
        return base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// A cursor whose uplink is no longer configured would hold every segment back until the
    /// disk cap drops readings the remaining uplinks already sent; release it. Enabled again
    /// later, that uplink starts at Journal:NewUplinkStart.
    /// </summary>
    private void ReleaseRemovedUplinks()
    {
        var configured = uplinks.Select(u => u.Name).ToHashSet(StringComparer.Ordinal);
        var stats = journal.GetStats();
        foreach (var cursor in journal.CursorNames.Where(c => !configured.Contains(c)))
        {
            var backlog = stats.Cursors.FirstOrDefault(c => c.Name == cursor)?.BacklogRecords ?? 0;
            journal.RemoveCursor(cursor);
            JournalLog.CursorReleased(logger, cursor, backlog);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await WaitAsync(stoppingToken))
            {
                AppendAvailable();
                CountDurable();
                health.Beat(LoopName);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        Drain();
    }

    /// <summary>If the host stops before ExecuteAsync ran, the queue is drained here.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // After a shutdown timeout the loop may still be running (stuck on the disk or the
        // network); never run the last pass beside it.
        if (ExecuteTask is null || ExecuteTask.IsCompleted) Drain();
    }

    private async Task<bool> WaitAsync(CancellationToken stoppingToken)
    {
        if (_held is not null)
        {
            await Task.Delay(_retryDelay, time, stoppingToken);
            return true;
        }
        using var tick = new CancellationTokenSource(IdleTick, time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, tick.Token);
        try
        {
            return await queue.Reader.WaitToReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return true; // idle tick: count what became durable, beat the watchdog
        }
    }

    /// <summary>Appends everything queued; on a disk error holds the reading and schedules a retry.</summary>
    private void AppendAvailable()
    {
        while (_held is not null || queue.Reader.TryRead(out _held))
        {
            try
            {
                Append(_held!);
                _held = null;
                if (_backoff.Failing) JournalLog.AppendRecovered(logger);
                _backoff.Reset();
            }
            catch (IOException e)
            {
                counters.AddWriteFailure();
                var first = !_backoff.Failing;
                _retryDelay = _backoff.Fail();
                if (first) JournalLog.AppendHeld(logger, e.Message, _retryDelay);
                return;
            }
        }
    }

    private void Append(Reading reading)
    {
        // One writer, so the sequence read here is the one Append assigns.
        var sequence = journal.NextSequence;
        _buffer.ResetWrittenCount();
        _serializer.Write(_buffer, reading, new RecordId(journal.Epoch, sequence));
        var appended = journal.Append(_buffer.WrittenSpan);
        if (appended != sequence)
            throw new InvalidOperationException($"Journal assigned sequence {appended}, expected {sequence}: a second writer?");
        reading.Receipt?.SetAppended(appended);
    }

    private void CountDurable()
    {
        var durable = journal.DurableSequence;
        if (durable <= _countedDurable) return;
        counters.AddAccepted((int)(durable - Math.Max(_countedDurable, _firstSequence - 1)), time.GetUtcNow());
        _countedDurable = durable;
        JournalLog.Durable(logger, journal.Epoch, durable);
    }

    /// <summary>Whoever waits for a reading that will not be written hears so (and acknowledges nothing).</summary>
    private void FailReceipts(string reason)
    {
        _held?.Receipt?.Fail(reason);
        while (queue.Reader.TryRead(out var left)) left.Receipt?.Fail(reason);
    }

    /// <summary>Shutdown: append what is still queued, fsync, count, signal. Runs once.</summary>
    private void Drain()
    {
        if (Interlocked.Exchange(ref _draining, 1) == 1) return;
        try
        {
            AppendAvailable();
            journal.Flush();
            CountDurable();
            var lost = (_held is null ? 0 : 1) + queue.Reader.Count;
            if (lost > 0)
            {
                FailReceipts("the journal could not write it before shutdown");
                JournalLog.LostAtShutdown(logger, lost, "the disk refused the writes");
                counters.AddDropped("journal write failed at shutdown", lost);
            }
        }
        catch (IOException e)
        {
            JournalLog.LostAtShutdown(logger, queue.Reader.Count, e.Message);
            FailReceipts(e.Message);
        }
        finally
        {
            health.Unregister(LoopName);
            _drained.TrySetResult();
        }
    }
}
