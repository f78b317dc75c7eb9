using System.Buffers;
using FarmGateway.Drivers.Linux;

namespace FarmGateway.Journal;

// Appending and group commit.
public sealed partial class DiskJournal
{
    /// <summary>
    /// Appends one record with one write and returns its sequence. The record is accepted once
    /// <see cref="DurableSequence"/> reaches it (<see cref="WaitDurableAsync"/>); with a zero
    /// FlushInterval that is before this returns. On an I/O error nothing of the record stays
    /// on disk, the sequence is not used, and the IOException propagates.
    /// </summary>
    public long Append(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty) throw new ArgumentException("An empty payload cannot be journaled.", nameof(payload));
        if (payload.Length > MaxPayloadBytes)
            throw new ArgumentException($"The payload is {payload.Length} bytes; the journal takes at most {MaxPayloadBytes} bytes per record.", nameof(payload));
        var frameBytes = JournalFormat.FrameBytes(payload.Length);
        var frame = ArrayPool<byte>.Shared.Rent(frameBytes);
        try
        {
            lock (_gate)
            {
                ThrowIfDisposed();
                var sequence = _nextSequence;
                try
                {
                    var segment = PrepareWrite(frameBytes);
                    JournalFormat.EncodeFrame(frame.AsSpan(0, frameBytes), sequence, payload);
                    WriteFrame(frame.AsSpan(0, frameBytes));
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

                if (_options.FlushInterval == TimeSpan.Zero) FlushLocked();
                else TryFlushIfDueLocked();
                return sequence;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>fsyncs now (if anything is unsynced) and advances <see cref="DurableSequence"/>; throws IOException if fsync fails.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            FlushLocked();
        }
    }

    /// <summary>Flushes when something is unsynced and FlushInterval has passed since the last flush; true if it flushed.</summary>
    public bool FlushIfDue()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (!IsFlushDue()) return false;
            FlushLocked();
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

    /// <summary>The active segment, rolled and made room for as needed, ready for a frame of <paramref name="frameBytes"/>.</summary>
    private Segment PrepareWrite(int frameBytes)
    {
        if (_needsCut)
        {
            _active!.Truncate(_activeLength);
            _needsCut = false;
        }
        if (_active is not null && _segments[^1].RecordCount > 0 && _activeLength + frameBytes > _options.SegmentBytes)
            RollLocked();
        if (_active is null) CreateSegment(_nextSequence);
        while (TotalBytes() + frameBytes > _options.MaxBytes && _segments.Count > 1)
            DropOldest(DropReasons.DiskCap);
        return _segments[^1];
    }

    private void WriteFrame(ReadOnlySpan<byte> frame)
    {
        var before = _activeLength;
        try
        {
            _active!.Append(frame);
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
        _activeLength += frame.Length;
        _unsynced = true;
    }

    private bool IsFlushDue() =>
        (_unsynced || _directoryDirty) && _time.GetElapsedTime(_lastFlushTimestamp) >= _options.FlushInterval;

    /// <summary>After an append with group commit: a failed fsync does not fail the append (the record is not reported durable).</summary>
    private void TryFlushIfDueLocked()
    {
        if (!IsFlushDue()) return;
        try
        {
            FlushLocked();
        }
        catch (IOException)
        {
            // Logged and kept in LastError by FlushLocked; the next flush tries again.
        }
    }

    private void FlushFromTimer()
    {
        lock (_gate)
        {
            if (_disposed) return;
            TryFlushIfDueLocked();
        }
    }

    private void FlushLocked()
    {
        _lastFlushTimestamp = _time.GetTimestamp();
        if (_active is null || !(_unsynced || _directoryDirty)) return;
        try
        {
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
        MarkDurable(_nextSequence - 1);
    }

    private void MarkDurable(long sequence)
    {
        Interlocked.Exchange(ref _durableSequence, sequence);
        _waiters.CompleteUpTo(sequence);
    }
}
