using FarmGateway.Drivers.Linux;

namespace FarmGateway.Journal;

// Appending and page-aligned group commit (the reasoning is in the invariants on DiskJournal).
public sealed partial class DiskJournal
{
    /// <summary>The page size of the page cache and of writeback: the file is written in whole pages of this, aligned to the file offset.</summary>
    internal const int PageBytes = 4096;

    private const long NoTimestamp = long.MaxValue;

    /// <summary>
    /// Appends one record and returns its sequence. The frame goes into the active segment's
    /// in-memory tail; whole 4 KiB pages are written to the file as the tail completes them
    /// (one write). The record is accepted once <see cref="DurableSequence"/> reaches it
    /// (<see cref="WaitDurableAsync"/>), at the latest about FlushInterval after this call;
    /// with a zero FlushInterval before this returns. On an I/O error (a page write, a segment
    /// roll, a cut-back) the record is not taken, its sequence is not used, nothing of it stays
    /// on disk, and the IOException propagates; records appended before it stay buffered and
    /// are written by the next write or flush.
    /// </summary>
    public long Append(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty) throw new ArgumentException("An empty payload cannot be journaled.", nameof(payload));
        if (payload.Length > MaxPayloadBytes)
            throw new ArgumentException($"The payload is {payload.Length} bytes; the journal takes at most {MaxPayloadBytes} bytes per record.", nameof(payload));
        var frameBytes = JournalFormat.FrameBytes(payload.Length);
        lock (_gate)
        {
            ThrowIfDisposed();
            var sequence = _nextSequence;
            try
            {
                var segment = PrepareWrite(frameBytes);
                BufferFrame(sequence, payload, frameBytes);
                segment.RecordCount++;
                segment.Bytes += frameBytes;
                _nextSequence++;
            }
            catch (IOException e)
            {
                _failedAppends++;
                _lastError = e.Message;
                JournalLog.AppendFailed(_logger, e.Message);
                throw;
            }

            if (_options.FlushInterval == TimeSpan.Zero) FlushLocked(); // written in BufferFrame: only the fsync is left
            else
            {
                TryFlushIfDueLocked();
                ArmFlushTimer();
            }
            return sequence;
        }
    }

    /// <summary>
    /// Writes everything buffered (including a partial last page), fsyncs, and advances
    /// <see cref="DurableSequence"/> to the last record appended; throws IOException if the
    /// write or the fsync fails (then nothing new is durable and the records stay buffered).
    /// </summary>
    public void Flush()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            try
            {
                FlushLocked();
            }
            finally
            {
                ArmFlushTimer();
            }
        }
    }

    /// <summary>
    /// Runs the group commit's deadline now if it is due, i.e. some record appended but not
    /// durable has waited FlushInterval: fsyncs the pages written so far, and writes the
    /// partial last page first if a record in it has waited that long. True if it flushed.
    /// </summary>
    public bool FlushIfDue()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (!IsFlushDue(_time.GetTimestamp(), ignoreRetryDelay: true)) return false;
            try
            {
                DeadlineFlushLocked(_time.GetTimestamp());
            }
            finally
            {
                ArmFlushTimer();
            }
            return true;
        }
    }

    /// <summary>Completes once <paramref name="sequence"/> is durable (at once if it already is).</summary>
    public Task WaitDurableAsync(long sequence, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (sequence <= _durableSequence) return Task.CompletedTask;
            ThrowIfDisposed();
            return _waiters.Add(sequence, cancellationToken);
        }
    }

    /// <summary>Bytes of the active segment including what is still only buffered: what roll and cap decisions count.</summary>
    private long ActiveLength => _writtenLength + _tailCount;

    /// <summary>The active segment, rolled and made room for as needed, ready for a frame of <paramref name="frameBytes"/>.</summary>
    private Segment PrepareWrite(int frameBytes)
    {
        if (_active is not null && _segments[^1].RecordCount > 0 && ActiveLength + frameBytes > _options.SegmentBytes)
            RollLocked();
        if (_active is null) CreateSegment(_nextSequence);
        while (TotalBytes() + frameBytes > _options.MaxBytes && _segments.Count > 1)
            DropOldest(DropReasons.DiskCap);
        return _segments[^1];
    }

    /// <summary>
    /// Encodes the frame into the tail and writes the pages it completes (everything, with a
    /// zero FlushInterval). On an IOException the frame is taken out of the tail again, so the
    /// tail holds exactly the frames of the appends that returned.
    /// </summary>
    private void BufferFrame(long sequence, ReadOnlySpan<byte> payload, int frameBytes)
    {
        var start = _tailCount;
        if (_tail.Length < start + frameBytes) Array.Resize(ref _tail, Math.Max(2 * _tail.Length, start + frameBytes));
        JournalFormat.EncodeFrame(_tail.AsSpan(start, frameBytes), sequence, payload);
        _tailCount += frameBytes;
        // By the tail invariant everything before this frame lies below the next page boundary,
        // so a page write here completes every earlier frame, and this one if it ends on a boundary.
        var writeBytes = _options.FlushInterval == TimeSpan.Zero ? _tailCount : WholePageBytes();
        try
        {
            if (writeBytes > 0) WriteTail(writeBytes);
        }
        catch (IOException)
        {
            _tailCount = start;
            throw;
        }
        var now = _time.GetTimestamp();
        if (_unsyncedSince == NoTimestamp) _unsyncedSince = now;
        if (writeBytes == 0)
        {
            if (_unwrittenSince == NoTimestamp) _unwrittenSince = now;
        }
        else if (_tailCount == 0)
        {
            _writtenSequence = sequence;
            _unwrittenSince = NoTimestamp;
        }
        else
        {
            _writtenSequence = sequence - 1;
            _unwrittenSince = now; // this frame is split: its head is written, its rest waits in the tail
        }
    }

    /// <summary>How many bytes at the start of the tail reach up to the last page boundary it completes (0 if none).</summary>
    private int WholePageBytes()
    {
        var end = ActiveLength & ~(long)(PageBytes - 1);
        return end > _writtenLength ? (int)(end - _writtenLength) : 0;
    }

    /// <summary>
    /// Writes the first <paramref name="count"/> bytes of the tail at the end of the file with
    /// one write. On failure the file is cut back (or marked to be cut before anything else is
    /// written or synced), the tail is unchanged and the IOException propagates.
    /// </summary>
    private void WriteTail(int count)
    {
        CutIfNeeded();
        var before = _writtenLength;
        try
        {
            _active!.Append(_tail.AsSpan(0, count));
        }
        catch (IOException)
        {
            try
            {
                _active!.Truncate(before);
            }
            catch (IOException)
            {
                _needsCut = true;
            }
            throw;
        }
        _writtenLength += count;
        _tail.AsSpan(count, _tailCount - count).CopyTo(_tail); // the rest is less than a page
        _tailCount -= count;
        _unsynced = true;
    }

    /// <summary>A failed write whose cut-back failed too is cut before the file is written or synced again.</summary>
    private void CutIfNeeded()
    {
        if (!_needsCut) return;
        _active!.Truncate(_writtenLength);
        _needsCut = false;
    }

    // Deadlines are compared in the TimeProvider's own timestamp units, so a timer armed for
    // exactly the deadline finds it due (no rounding through TimeSpan).
    private bool IsFlushDue(long now, bool ignoreRetryDelay = false) =>
        _unsyncedSince != NoTimestamp
        && now - _unsyncedSince >= _flushTicks
        && (ignoreRetryDelay || now >= _retryAfter);

    /// <summary>FlushInterval in timestamp units, rounded up.</summary>
    private static long ToTimestampTicks(TimeSpan interval, long frequency) =>
        (long)Math.Ceiling(interval.Ticks * (double)frequency / TimeSpan.TicksPerSecond);

    /// <summary>A timestamp difference as a TimeSpan, rounded up so a timer never fires before the deadline.</summary>
    private TimeSpan ToTimeSpan(long timestampTicks) =>
        TimeSpan.FromTicks((long)Math.Ceiling(timestampTicks * (double)TimeSpan.TicksPerSecond / _time.TimestampFrequency));

    /// <summary>After an append or a timer tick: a failed flush is logged and retried a FlushInterval later; it fails no append.</summary>
    private void TryFlushIfDueLocked()
    {
        var now = _time.GetTimestamp();
        if (!IsFlushDue(now)) return;
        try
        {
            DeadlineFlushLocked(now);
        }
        catch (IOException)
        {
            // Logged and kept in LastError by the flush; nothing new became durable, the
            // records stay buffered, and the deadline is retried one FlushInterval from now.
            _retryAfter = now + _flushTicks;
        }
    }

    /// <summary>
    /// The oldest record that is not durable has waited FlushInterval. If a record still (partly)
    /// in the tail has waited that long too, write the tail and fsync: everything is durable.
    /// Otherwise the late records are all in written pages: fsync those alone, and leave the
    /// partial page in memory for the records that arrived since (their own deadline is later).
    /// </summary>
    private void DeadlineFlushLocked(long now)
    {
        if (_tailCount > 0 && _unwrittenSince != NoTimestamp && now - _unwrittenSince >= _flushTicks)
            FlushLocked();
        else
            SyncWrittenLocked();
    }

    private void FlushFromTimer()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _timerDue = NoTimestamp; // one-shot: it fired
            TryFlushIfDueLocked();
            ArmFlushTimer();
        }
    }

    /// <summary>Points the one-shot timer at the next deadline (the oldest unsynced record + FlushInterval), unless it already is.</summary>
    private void ArmFlushTimer()
    {
        if (_flushTimer is null || _disposed) return;
        var due = _unsyncedSince == NoTimestamp ? NoTimestamp : Math.Max(_unsyncedSince + _flushTicks, _retryAfter);
        if (due == _timerDue) return;
        _timerDue = due;
        if (due == NoTimestamp)
        {
            _flushTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        var wait = due - _time.GetTimestamp();
        _flushTimer.Change(wait > 0 ? ToTimeSpan(wait) : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Writes the whole tail (a partial page included), fsyncs, and marks every appended record durable.</summary>
    private void FlushLocked()
    {
        if (_active is null) return;
        try
        {
            if (_tailCount > 0) WriteTail(_tailCount);
        }
        catch (IOException e)
        {
            _lastError = e.Message;
            JournalLog.FlushFailed(_logger, e.Message);
            throw;
        }
        _writtenSequence = _nextSequence - 1;
        _unwrittenSince = NoTimestamp;
        SyncWrittenLocked();
    }

    /// <summary>
    /// fsyncs what is written (and the directory after a new segment) and marks durable the
    /// records wholly written; the tail stays in memory. Throws IOException if fsync fails.
    /// </summary>
    private void SyncWrittenLocked()
    {
        if (_active is null) return;
        if (_unsynced || _directoryDirty || _needsCut)
        {
            try
            {
                CutIfNeeded();
                _active.Sync();
                if (_directoryDirty) LinuxFileSystem.SyncDirectory(Directory);
            }
            catch (IOException e)
            {
                _lastError = e.Message;
                JournalLog.FlushFailed(_logger, e.Message);
                throw;
            }
            _unsynced = false;
            _directoryDirty = false;
        }
        _unsyncedSince = _unwrittenSince; // the oldest record still to be made durable is the oldest unwritten one
        _retryAfter = 0;
        if (_writtenSequence > _durableSequence) MarkDurable(_writtenSequence);
    }

    private void MarkDurable(long sequence)
    {
        Interlocked.Exchange(ref _durableSequence, sequence);
        _waiters.CompleteUpTo(sequence);
    }
}
