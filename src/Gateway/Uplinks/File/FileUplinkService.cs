using System.Buffers;
using FarmGateway.Configuration;
using FarmGateway.Hosting;
using FarmGateway.Readings;
using FarmGateway.Status;
using FarmGateway.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FarmGateway.Uplinks.File;

/// <summary>
/// Takes readings from the queue, gives each its record id, and appends them to the outbox in
/// batches (one write per batch, one fsync per FlushInterval). A reading counts as accepted
/// once its line is fsynced. When the disk refuses a write, the serialised batch (ids already
/// assigned, so a retry repeats the same ids) is held and retried with backoff. On stop it
/// drains the queue, fsyncs and completes the current file.
/// </summary>
public sealed class FileUplinkService(
    IOptions<GatewayOptions> options,
    ReadingQueue queue,
    GatewayCounters counters,
    LoopHealth health,
    AppendFileOpener openFile,
    TimeProvider time,
    ILogger<FileUplinkService> logger) : BackgroundService
{
    public const string LoopName = "outbox";
    private const int MaxBatchReadings = 1000;
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan IdleTick = TimeSpan.FromSeconds(1);

    private readonly FileUplinkOptions _options = options.Value.Uplinks.File;
    private readonly RecordSerializer _serializer = new(new GatewayIdentity(options.Value.Id!, options.Value.Site, options.Value.Location));
    private readonly ArrayBufferWriter<byte> _pending = new(64 * 1024);
    private readonly string _epoch = RecordId.NewEpoch();
    private NdjsonOutbox? _outbox;
    private long _sequence;
    private int _pendingCount;
    private int _unsyncedCount;
    private long _lastSyncTicks;
    private TimeSpan _retryDelay = TimeSpan.Zero;
    private long _retryAfterTicks;
    private int _drained;

    /// <summary>Opens and recovers the outbox before the host reports ready.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _outbox = new NdjsonOutbox(_options.Directory!, options.Value.Id!, _options.MaxFileBytes, time, openFile);
        var recovery = _outbox.Recover();
        if (recovery != default) FileUplinkLog.Recovered(logger, recovery.FilesCompleted, recovery.TornLinesCut, recovery.TornBytesCut);
        FileUplinkLog.Opened(logger, _outbox.Directory);
        health.Register(LoopName, TimeSpan.FromSeconds(30) + 3 * _options.FlushInterval);
        _lastSyncTicks = time.GetTimestamp();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var outbox = _outbox!;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!await WaitForReadingsAsync(stoppingToken)) break; // queue completed: sources stopped
                Step(outbox);
                health.Beat(LoopName);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        Drain(outbox);
    }

    /// <summary>One round: take what is queued, write it, sync when due, rotate when due.</summary>
    private void Step(NdjsonOutbox outbox)
    {
        if (_pendingCount == 0) TakeBatch();
        if (_pendingCount > 0 && time.GetTimestamp() >= _retryAfterTicks) TryWrite(outbox);
        if (_unsyncedCount > 0 && time.GetElapsedTime(_lastSyncTicks) >= _options.FlushInterval) TrySync(outbox);
        TryRotate(outbox);
    }

    private async Task<bool> WaitForReadingsAsync(CancellationToken stoppingToken)
    {
        if (_pendingCount > 0)
        {
            // Records held after a failed write: sleep until the retry is due, never spin.
            var untilRetry = _retryAfterTicks - time.GetTimestamp();
            if (untilRetry > 0) await Task.Delay(TimeSpan.FromSeconds((double)untilRetry / time.TimestampFrequency), time, stoppingToken);
            return true;
        }
        if (queue.Reader.TryPeek(out _)) return true;
        // The tick comes from the injected TimeProvider, so tests drive it with a fake clock.
        using var tick = new CancellationTokenSource(_unsyncedCount > 0 ? _options.FlushInterval : IdleTick, time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, tick.Token);
        try
        {
            return await queue.Reader.WaitToReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return true; // a tick without data: still sync and rotate
        }
    }

    private void TakeBatch()
    {
        while (_pendingCount < MaxBatchReadings && queue.Reader.TryRead(out var reading))
        {
            _serializer.Write(_pending, reading, new RecordId(_epoch, _sequence++));
            _pending.Write("\n"u8);
            _pendingCount++;
        }
    }

    private void TryWrite(NdjsonOutbox outbox)
    {
        try
        {
            outbox.Append(_pending.WrittenSpan);
            if (_retryDelay > TimeSpan.Zero) FileUplinkLog.WriteRecovered(logger, _pendingCount);
            _retryDelay = TimeSpan.Zero;
            _unsyncedCount += _pendingCount;
            _pending.ResetWrittenCount();
            _pendingCount = 0;
        }
        catch (IOException e)
        {
            Backoff(e);
        }
    }

    private void TrySync(NdjsonOutbox outbox)
    {
        try
        {
            outbox.Sync();
            MarkAccepted();
        }
        catch (IOException e)
        {
            Backoff(e);
        }
    }

    private void TryRotate(NdjsonOutbox outbox)
    {
        try
        {
            // Completing a file fsyncs it, so what it held is accepted now.
            if (outbox.RotateIfDue()) MarkAccepted();
        }
        catch (IOException e)
        {
            Backoff(e);
        }
    }

    private void MarkAccepted()
    {
        if (_unsyncedCount > 0) counters.AddAccepted(_unsyncedCount, time.GetUtcNow());
        _unsyncedCount = 0;
        _lastSyncTicks = time.GetTimestamp();
    }

    private void Backoff(IOException e)
    {
        var first = _retryDelay == TimeSpan.Zero;
        _retryDelay = first ? TimeSpan.FromSeconds(1) : TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, MaxRetryDelay.Ticks));
        _retryAfterTicks = time.GetTimestamp() + (long)(_retryDelay.TotalSeconds * time.TimestampFrequency);
        counters.AddWriteFailure();
        if (first) FileUplinkLog.WriteFailed(logger, e.Message, _pendingCount, _retryDelay);
    }

    /// <summary>
    /// When the host stops right after starting, ExecuteAsync may never have run (the base
    /// class starts it with the stopping token); the queue is drained here then.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_outbox is { } outbox) Drain(outbox);
    }

    /// <summary>Shutdown: write everything still queued, fsync, complete the file. Runs once.</summary>
    private void Drain(NdjsonOutbox outbox)
    {
        if (Interlocked.Exchange(ref _drained, 1) == 1) return;
        _retryAfterTicks = 0;
        try
        {
            do
            {
                TakeBatch();
                if (_pendingCount > 0)
                {
                    outbox.Append(_pending.WrittenSpan);
                    _unsyncedCount += _pendingCount;
                    _pending.ResetWrittenCount();
                    _pendingCount = 0;
                }
            }
            while (queue.Reader.TryPeek(out _));
            outbox.Complete();
            MarkAccepted();
        }
        catch (IOException e)
        {
            FileUplinkLog.LostAtShutdown(logger, _pendingCount + _unsyncedCount, e.Message);
            counters.AddDropped("outbox write failed at shutdown", _pendingCount);
        }
        finally
        {
            health.Unregister(LoopName);
            outbox.Dispose();
        }
    }
}
