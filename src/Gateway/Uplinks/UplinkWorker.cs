using FarmGateway.Configuration;
using FarmGateway.Diagnostics;
using FarmGateway.Journal;
using FarmGateway.Readings;
using FarmGateway.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FarmGateway.Uplinks;

/// <summary>
/// Moves records from the journal to one uplink: read from the uplink's cursor into a window,
/// send batches, acknowledge what the far side took. The one place that decides about retries,
/// pacing, splitting and quarantine for that uplink.
///
/// Invariants:
/// - The cursor moves only past records that were delivered or quarantined (written and fsynced
///   to the quarantine file), and only over a contiguous run of them: a record that failed
///   holds the cursor until it goes through, so nothing unsent is ever skipped.
/// - A record goes out again only if it was not delivered: when the far side takes part of a
///   batch, only the records it refused are resent. A whole-request failure resends the batch
///   (it may have been written: ids make that harmless).
/// - A request the far side calls invalid or too large is halved until the offending record is
///   alone; that record is quarantined with the reason. A record over the uplink's size limit is
///   quarantined without being sent. Neither blocks the records behind it.
/// - While the uplink fails, the worker backs off (1 s doubling to 60 s with jitter; 30 s to
///   5 min for configuration problems) and the journal holds the records; each state change is
///   logged once. Throttling slows the sending rate (<see cref="DrainPacer"/>).
/// - During a backlog drain, readings that arrive now go out in a live lane beside the backlog
///   (about a tenth of every batch), so dashboards are current while history catches up; the
///   cursor skips them when it gets there. A crash before then resends them (same ids).
/// - On stop, once the journal has taken the last readings, whatever is durable is sent in a
///   last pass (bounded in time, no batching delay); what cannot be sent stays in the journal.
/// </summary>
public sealed class UplinkWorker : BackgroundService
{
    private static readonly TimeSpan IdleTick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ShutdownBudget = TimeSpan.FromSeconds(10);

    /// <summary>Records read ahead of the cursor: enough for the next batch while earlier ones are resolved.</summary>
    private readonly int _windowLimit;

    /// <summary>A backlog larger than this many batches switches the live lane on.</summary>
    private const int LiveLaneAfterBatches = 4;
    private const int MaxLiveAhead = 100_000;

    private readonly IUplink _uplink;
    private readonly UplinkLimits _limits;
    private readonly UplinkStatus _status;
    private readonly DiskJournal _journal;
    private readonly JournalService _journalService;
    private readonly GatewayOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<UplinkWorker> _logger;
    private readonly Quarantine _quarantine;
    private readonly Backoff _backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
    private readonly Backoff _misconfiguredBackoff = new(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(5));
    private readonly DrainPacer _pacer;
    private readonly List<Slot> _window = [];
    private readonly HashSet<long> _sentAhead = [];
    private readonly string _liveReader;

    /// <summary>Largest batch right now: halved while a refused request is narrowed down, doubled back after successes.</summary>
    private int _batchRecords;

    /// <summary>The last request was a full batch: a backlog is being sent, do not wait to fill the next.</summary>
    private bool _lastBatchFull;

    /// <summary>While narrowing a refused request down: the last record it held.</summary>
    private long? _narrowedThrough;

    /// <summary>Since the last failed attempt, until something goes through.</summary>
    private bool _failing;

    /// <summary>Sequence the live lane reads next; null when not draining a backlog.</summary>
    private long? _liveNext;

    public UplinkWorker(
        IUplink uplink,
        UplinkStatuses statuses,
        DiskJournal journal,
        JournalService journalService,
        IOptions<GatewayOptions> options,
        AppendFileOpener openFile,
        TimeProvider time,
        ILogger<UplinkWorker> logger)
    {
        _uplink = uplink;
        _limits = uplink.Limits.Validate();
        _status = statuses.Add(uplink.Name);
        _journal = journal;
        _journalService = journalService;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _quarantine = new Quarantine(Path.Combine(_options.DataDirectory!, "quarantine"), uplink.Name, time, openFile);
        _pacer = new DrainPacer(time);
        _batchRecords = _limits.MaxBatchRecords;
        _windowLimit = 2 * _limits.MaxBatchRecords;
        _liveReader = uplink.Name + "~live";
    }

    public IUplink Uplink => _uplink;
    public UplinkStatus Status => _status;

    /// <summary>The journal's records in flight for this uplink, oldest first: read, not yet acknowledged.</summary>
    private sealed class Slot(JournalRecord record, long wireBytes)
    {
        public JournalRecord Record { get; } = record;
        public long WireBytes { get; } = wireBytes;
        public bool Done { get; set; }

        /// <summary>When the worker read it: a batch waits at most BatchInterval from the oldest.</summary>
        public DateTimeOffset ReadAt { get; init; }

        /// <summary>Set when the record is to be quarantined (written before it counts as done).</summary>
        public string? QuarantineReason { get; set; }

        public bool Pending => !Done && QuarantineReason is null;
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _journal.OpenCursor(_uplink.Name, _options.Journal.NewUplinkStart);
        await _uplink.StartAsync(cancellationToken);
        UplinkLog.Started(_logger, _uplink.Name, Backlog());
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
                var durable = _journal.DurableSequence;
                if (!TryFill(out var readError))
                {
                    await Task.Delay(Failed(readError, UplinkFailure.Transient), _time, stoppingToken);
                    continue;
                }
                if (!_window.Any(s => s.Pending))
                {
                    Acknowledge();
                    _journal.SaveCursors();
                    if (_window.Count == 0 && _liveNext is null) _status.Idle();
                    UpdateStatus();
                    await WaitForRecordsAsync(durable + 1, IdleTick, stoppingToken);
                    await _uplink.TickAsync(stoppingToken);
                    continue;
                }
                if (FillWait() is { } wait)
                {
                    UpdateStatus();
                    await WaitForRecordsAsync(durable + 1, wait, stoppingToken);
                    continue;
                }
                var delay = await SendNextAsync(stoppingToken);
                if (delay > TimeSpan.Zero) await Task.Delay(delay, _time, stoppingToken);
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
        _status.Stop();
        _journal.CloseReader(_liveReader);
        _quarantine.Dispose();
        await _uplink.DisposeAsync();
    }

    /// <summary>
    /// <see cref="Fill"/>, with a journal that cannot be read (an SD card returning EIO) turned
    /// into a failed attempt: counted, shown in the status, retried with backoff. The records
    /// stay where they are; the process goes on.
    /// </summary>
    private bool TryFill(out string error)
    {
        try
        {
            Fill();
            error = "";
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read the journal: {e.Message}";
            return false;
        }
    }

    /// <summary>Reads from the cursor until the window holds a full batch; marks records over the size limit for quarantine.</summary>
    private void Fill()
    {
        var pending = _window.Count(s => s.Pending);
        var now = _time.GetUtcNow();
        while (pending < _limits.MaxBatchRecords && _window.Count < _windowLimit)
        {
            var records = _journal.Read(_uplink.Name, Math.Min(_limits.MaxBatchRecords, _windowLimit - _window.Count), _limits.MaxBatchBytes);
            if (records.Count == 0) break;
            foreach (var record in records)
            {
                var slot = new Slot(record, _uplink.WireBytes(record)) { ReadAt = now };
                if (_sentAhead.Remove(record.Sequence)) slot.Done = true;
                else if (slot.WireBytes > _limits.MaxRecordBytes)
                    slot.QuarantineReason = $"record is {slot.WireBytes} bytes on the wire; {_uplink.Name} takes at most {_limits.MaxRecordBytes}";
                else pending++;
                _window.Add(slot);
            }
        }
        if (_liveNext is { } liveNext && _window.Count > 0 && _window[^1].Record.Sequence >= liveNext - 1)
            StopLiveLane(); // the cursor caught up with the live lane
        else if (_liveNext is null && _window.Count > 0 && !_failing
                 && _journal.DurableSequence - _window[^1].Record.Sequence > LiveLaneAfterBatches * (long)_limits.MaxBatchRecords)
            _liveNext = _journal.DurableSequence + 1; // a backlog: readings from now on go out in the live lane
    }

    /// <summary>While caught up, how long to wait for more readings to fill the batch; null to send now.</summary>
    private TimeSpan? FillWait()
    {
        // Right after a full batch (the end of a backlog) the rest goes at once.
        if (_limits.BatchInterval <= TimeSpan.Zero || _liveNext is not null || _lastBatchFull) return null;
        var pending = _window.Where(s => s.Pending).ToList();
        if (pending.Count >= _batchRecords || pending.Sum(s => s.WireBytes) * 2 >= _limits.MaxBatchBytes) return null;
        var due = pending[0].ReadAt + _limits.BatchInterval - _time.GetUtcNow();
        return due > TimeSpan.Zero ? (due < IdleTick ? due : IdleTick) : null;
    }

    /// <summary>Sends one batch and deals with the outcome; returns how long to wait before the next.</summary>
    private async Task<TimeSpan> SendNextAsync(CancellationToken cancellationToken, bool paced = true)
    {
        // Current readings first (a tenth of the batch at most), the backlog fills the rest.
        var live = ReadLiveLane();
        var slots = ComposeBatch(_batchRecords - live.Count, _limits.MaxBatchBytes - live.Sum(_uplink.WireBytes));
        var batch = new List<JournalRecord>(slots.Count + live.Count);
        batch.AddRange(slots.Select(s => s.Record));
        batch.AddRange(live);
        if (batch.Count == 0) return Acknowledge();
        _lastBatchFull = batch.Count >= _limits.MaxBatchRecords;

        var wait = paced ? _pacer.Reserve(batch.Count) : TimeSpan.Zero;
        if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, cancellationToken);

        UpdateStatus();
        SendResult result;
        try
        {
            result = await _uplink.SendAsync(batch, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HandleFailedRequest(slots, live.Count, e);
        }
        return HandleResult(slots, live, result);
    }

    /// <summary>The oldest pending records, up to the current batch size and the byte limit.</summary>
    private List<Slot> ComposeBatch(int maxRecords, long maxBytes)
    {
        var batch = new List<Slot>(Math.Min(maxRecords, _window.Count));
        long bytes = 0;
        foreach (var slot in _window)
        {
            if (!slot.Pending) continue;
            if (batch.Count == maxRecords || bytes + slot.WireBytes > maxBytes) break;
            batch.Add(slot);
            bytes += slot.WireBytes;
        }
        return batch;
    }

    private int LiveShare() => Math.Max(1, _batchRecords / 10);

    /// <summary>In a backlog drain: the newest durable readings, sent beside the backlog.</summary>
    private List<JournalRecord> ReadLiveLane()
    {
        if (_liveNext is not { } liveNext || _sentAhead.Count >= MaxLiveAhead || _batchRecords < 2) return [];
        // The newest readings: when more arrive than the lane carries, it skips ahead and the
        // ones it skipped are left to the cursor, so the lane is never more than a batch behind.
        var next = Math.Max(liveNext, _journal.DurableSequence + 1 - LiveShare());
        var budget = _limits.MaxBatchBytes / 10;
        IReadOnlyList<JournalRecord> newest;
        try
        {
            newest = _journal.ReadAhead(_liveReader, next, LiveShare(), budget);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            StopLiveLane(); // the cursor reads these records later, or reports why it cannot
            return [];
        }
        var taken = new List<JournalRecord>();
        foreach (var record in newest)
        {
            var wire = _uplink.WireBytes(record);
            if (wire > budget) break;
            budget -= wire;
            taken.Add(record);
        }
        // What was not taken (over the byte budget, or over the size limit: the cursor
        // quarantines that) is read again next time or left to the cursor.
        if (taken.Count > 0) _liveNext = taken[^1].Sequence + 1;
        return taken;
    }

    private TimeSpan HandleResult(List<Slot> slots, IReadOnlyList<JournalRecord> live, SendResult result)
    {
        var failed = new Dictionary<int, RecordFailure>();
        foreach (var failure in result.Failures) failed[failure.Index] = failure;
        int delivered = 0, retried = 0, throttled = 0, rejected = 0;
        for (var i = 0; i < slots.Count; i++)
        {
            if (!failed.TryGetValue(i, out var failure))
            {
                slots[i].Done = true;
                delivered++;
            }
            else if (failure.Kind == RecordFailureKind.Rejected)
            {
                slots[i].QuarantineReason = failure.Reason;
                rejected++;
            }
            else
            {
                retried++;
                if (failure.Kind == RecordFailureKind.Throttled) throttled++;
            }
        }
        // Live-lane records the far side refused are simply left to the cursor, which sends
        // them in order later; those it took are skipped when the cursor gets there.
        for (var i = 0; i < live.Count; i++)
        {
            if (failed.ContainsKey(slots.Count + i)) continue;
            _sentAhead.Add(live[i].Sequence);
            delivered++;
        }
        _status.Delivered(delivered, retried, _time.GetUtcNow());
        _pacer.Delivered(delivered);
        if (throttled > 0) _pacer.Throttled();
        else _pacer.Clear();
        if (retried > 0) UplinkLog.PartialFailure(_logger, _uplink.Name, retried, failed.Values.First(f => f.Kind != RecordFailureKind.Rejected).Reason);

        var delay = Acknowledge();
        if (delivered + rejected > 0)
        {
            if (delay == TimeSpan.Zero) Recovered();
            // Past the refused request's records: back to full batches.
            if (_narrowedThrough is not { } through || slots.Count == 0 || slots[^1].Record.Sequence >= through) StopNarrowing();
            return delay;
        }
        // Nothing went through: wait before the records are offered again.
        return delay > TimeSpan.Zero
            ? delay
            : Failed(failed.Values.First().Reason, throttled > 0 ? UplinkFailure.Throttled : UplinkFailure.Transient);
    }

    private TimeSpan HandleFailedRequest(List<Slot> slots, int liveCount, Exception error)
    {
        var kind = (error as UplinkException)?.Failure ?? UplinkFailure.Transient;
        _status.CountRetried(slots.Count);
        if (kind is UplinkFailure.Rejected or UplinkFailure.TooLarge)
        {
            if (slots.Count + liveCount > 1)
            {
                // Halve until the refused record is alone; live records wait for the cursor.
                _batchRecords = Math.Max(1, (slots.Count + liveCount) / 2);
                if (slots.Count > 0) _narrowedThrough = Math.Max(_narrowedThrough ?? -1, slots[^1].Record.Sequence);
                StopLiveLane();
                UplinkLog.Splitting(_logger, _uplink.Name, slots.Count + liveCount, _batchRecords, error.Message);
                return TimeSpan.Zero;
            }
            if (slots.Count == 0)
            {
                StopLiveLane(); // a current reading refused on its own: the cursor gets to it and quarantines it
                return TimeSpan.Zero;
            }
            if (slots.Count == 1)
            {
                slots[0].QuarantineReason = error.Message;
                StopNarrowing(); // found it
                return Acknowledge();
            }
        }
        if (kind == UplinkFailure.Throttled) _pacer.Throttled();
        var delay = Failed(error.Message, kind);
        return error is UplinkException { RetryAfter: { } after } && after > delay ? after : delay;
    }

    /// <summary>Writes records marked for quarantine, then moves the cursor over the leading run of finished records.</summary>
    private TimeSpan Acknowledge()
    {
        var toQuarantine = _window.Where(s => !s.Done && s.QuarantineReason is not null).ToList();
        if (toQuarantine.Count > 0)
        {
            try
            {
                _quarantine.Put([.. toQuarantine.Select(s => (s.Record, s.QuarantineReason!))]);
            }
            catch (IOException e)
            {
                return Failed($"cannot write the quarantine file {_quarantine.Path}: {e.Message}", UplinkFailure.Transient);
            }
            foreach (var slot in toQuarantine)
            {
                slot.Done = true;
                UplinkLog.Quarantined(_logger, _uplink.Name, slot.Record.Sequence, slot.QuarantineReason!, _quarantine.Path);
            }
            _status.CountQuarantined(toQuarantine.Count);
        }
        var run = 0;
        while (run < _window.Count && _window[run].Done) run++;
        if (run > 0)
        {
            _journal.Ack(_uplink.Name, _window[run - 1].Record.Sequence);
            _window.RemoveRange(0, run);
        }
        UpdateStatus();
        return TimeSpan.Zero;
    }

    private TimeSpan Failed(string reason, UplinkFailure kind)
    {
        var misconfigured = kind == UplinkFailure.Misconfigured;
        var changed = !_failing || misconfigured != _status.Misconfigured;
        _failing = true;
        var delay = (misconfigured ? _misconfiguredBackoff : _backoff).Fail();
        _status.Failed(reason, misconfigured, _time.GetUtcNow());
        if (changed)
        {
            if (misconfigured) UplinkLog.Misconfigured(_logger, _uplink.Name, reason, delay);
            else UplinkLog.Failing(_logger, _uplink.Name, reason, delay);
        }
        StopLiveLane();
        UpdateStatus();
        return delay;
    }

    private void Recovered()
    {
        if (_failing) UplinkLog.Recovered(_logger, _uplink.Name, _status.FailedAttempts);
        _failing = false;
        _backoff.Reset();
        _misconfiguredBackoff.Reset();
    }

    private void StopNarrowing()
    {
        _batchRecords = _limits.MaxBatchRecords;
        _narrowedThrough = null;
    }

    private void StopLiveLane()
    {
        if (_liveNext is null) return;
        _liveNext = null;
        _journal.CloseReader(_liveReader);
    }

    private DateTimeOffset? OldestPendingTime() =>
        _window.FirstOrDefault(s => !s.Done) is { } slot ? RecordTimestamp.TryRead(slot.Record.Payload.Span) : null;

    private long Backlog() => _journal.GetStats().Cursors.FirstOrDefault(c => c.Name == _uplink.Name)?.BacklogRecords ?? 0;

    private void UpdateStatus() => _status.Waiting(OldestPendingTime(), _liveNext is not null, _pacer.Limit);

    /// <summary>Waits until <paramref name="sequence"/> becomes durable, or <paramref name="timeout"/> passes.</summary>
    private async Task WaitForRecordsAsync(long sequence, TimeSpan timeout, CancellationToken stoppingToken)
    {
        using var tick = new CancellationTokenSource(timeout, _time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, tick.Token);
        try
        {
            await _journal.WaitDurableAsync(sequence, wait.Token);
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
        using var budget = new CancellationTokenSource(ShutdownBudget, _time);
        try
        {
            await _journalService.Drained.WaitAsync(budget.Token);
            StopLiveLane();
            while (!budget.IsCancellationRequested && TryFill(out _))
            {
                if (!_window.Any(s => s.Pending))
                {
                    Acknowledge();
                    break;
                }
                // A failure ends the last pass (no backoff at shutdown); a split goes on.
                if (await SendNextAsync(budget.Token, paced: false) > TimeSpan.Zero) break;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        var left = Backlog();
        if (left > 0) UplinkLog.LeftAtShutdown(_logger, _uplink.Name, left);
    }
}
