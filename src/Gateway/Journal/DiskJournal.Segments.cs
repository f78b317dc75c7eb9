using FarmGateway.Drivers.Linux;

namespace FarmGateway.Journal;

// Segment life cycle: create, roll, delete after acks, drop at the disk cap.
public sealed partial class DiskJournal
{
    // Called on every append: a plain loop over at most MaxBytes/SegmentBytes segments, because
    // LINQ's Sum with a selector allocated on this hot path (see docs/benchmarks.md).
    private long TotalBytes()
    {
        long total = 0;
        foreach (var segment in _segments) total += segment.Bytes;
        return total;
    }

    /// <summary>At open: continue the last segment, or start a new one (no segment yet, or a new epoch).</summary>
    private void StartActiveSegment()
    {
        if (_segments.Count > 0)
        {
            var last = _segments[^1];
            // fsync once: after a process crash its tail may still be only in the page cache.
            var file = _open(last.Path);
            try
            {
                file.Sync();
            }
            catch
            {
                file.Dispose();
                throw;
            }
            if (last.Epoch == Epoch)
            {
                _active = file;
                _writtenLength = file.Length;
                return;
            }
            file.Dispose();
            if (last.RecordCount == 0)
            {
                File.Delete(last.Path);
                _segments.RemoveAt(_segments.Count - 1);
            }
        }
        CreateSegment(_nextSequence);
        FlushLocked();
    }

    /// <summary>Writes the header of a new segment; on failure the file is removed and the IOException propagates.</summary>
    private void CreateSegment(long firstSequence)
    {
        var path = Path.Combine(Directory, JournalFormat.SegmentFileName(firstSequence));
        if (_segments.Count > 0 && _segments[^1].FirstSequence == firstSequence)
            _segments.RemoveAt(_segments.Count - 1); // an empty segment left by a failed start; written anew
        var file = _open(path);
        try
        {
            if (file.Length > 0) file.Truncate(0);
            file.Append(JournalFormat.EncodeHeader(Epoch, firstSequence));
        }
        catch (IOException)
        {
            file.Dispose();
            File.Delete(path);
            throw;
        }
        // The header is written at once (not through the tail): the file is never without a
        // valid header, and it costs one page write per segment.
        _active = file;
        _writtenLength = JournalFormat.HeaderBytes;
        _tailCount = 0;
        _unsynced = true;
        _directoryDirty = true;
        if (_unsyncedSince == NoTimestamp) _unsyncedSince = _time.GetTimestamp();
        _segments.Add(new Segment(path, Epoch, firstSequence));
    }

    /// <summary>
    /// Closes the active segment durably (its tail written, fsynced); the next append starts a
    /// new one. On an IOException the segment stays active with its tail, nothing is lost.
    /// </summary>
    private void RollLocked()
    {
        var file = _active!;
        FlushLocked();
        file.Dispose();
        _active = null;
    }

    /// <summary>Deletes the oldest segments once every cursor acknowledged all of their records.</summary>
    private void DeleteAckedSegments()
    {
        if (_cursors.Count == 0) return;
        var minAcked = _cursors.Values.Min(c => c.Acked);
        while (_segments.Count > 1 && _segments[0].LastSequence <= minAcked)
        {
            try
            {
                File.Delete(_segments[0].Path);
            }
            catch (IOException e)
            {
                _lastError = e.Message;
                return;
            }
            _segments.RemoveAt(0);
        }
    }

    /// <summary>Deletes the oldest segment although cursors may still need it; counts what they lose and moves them past it.</summary>
    private void DropOldest(string reason)
    {
        var segment = _segments[0];
        var minAcked = _cursors.Count == 0 ? segment.FirstSequence - 1 : _cursors.Values.Min(c => c.Acked);
        var lost = segment.CountAfter(minAcked);
        File.Delete(segment.Path);
        _segments.RemoveAt(0);
        foreach (var cursor in _cursors.Values.Where(c => c.Acked < segment.LastSequence))
        {
            cursor.Acked = segment.LastSequence;
            if (cursor.NextToRead <= segment.LastSequence) cursor.MoveReadTo(segment.LastSequence + 1);
            try
            {
                CursorFile.Save(Directory, cursor.Name, cursor.Acked);
            }
            catch (IOException)
            {
                // Not fatal: at the next open the cursor points into deleted records and is moved the same way.
            }
        }
        if (lost == 0) return;
        _dropped[reason] = _dropped.GetValueOrDefault(reason) + lost;
        JournalLog.CapDropped(_logger, Path.GetFileName(segment.Path), lost);
    }
}
