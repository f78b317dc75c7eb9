namespace FarmGateway.Journal;

// Cursors: one per uplink, read, acknowledge, rewind.
public sealed partial class DiskJournal
{
    /// <summary>Names of the cursors on disk (including those no uplink opened in this run).</summary>
    public IReadOnlyList<string> CursorNames
    {
        get
        {
            lock (_gate) return [.. _cursors.Keys.Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>
    /// Makes sure the cursor exists; a new one starts at <paramref name="start"/> and is saved at
    /// once, so "now" means the moment it was first opened, not every restart. True if created.
    /// </summary>
    public bool OpenCursor(string name, CursorStart start)
    {
        if (!CursorFile.IsValidName(name))
            throw new ArgumentException($"Cursor name \"{name}\" is not valid: use 1-64 letters, digits, '-' or '_'.", nameof(name));
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_cursors.ContainsKey(name)) return false;
            var acked = start == CursorStart.Oldest ? OldestSequence() - 1 : _nextSequence - 1;
            CursorFile.Save(Directory, name, acked);
            _cursors.Add(name, new CursorState(name, acked));
            return true;
        }
    }

    /// <summary>Forgets a cursor (an uplink removed for good), so it no longer holds segments back.</summary>
    public void RemoveCursor(string name)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (!_cursors.Remove(name)) return;
            CursorFile.Delete(Directory, name);
            DeleteAckedSegments();
        }
    }

    /// <summary>
    /// The next durable records after what this cursor already handed out: at most
    /// <paramref name="maxRecords"/>, and at most <paramref name="maxBytes"/> of payload unless
    /// the first record alone is bigger (it is returned alone, so nothing gets stuck).
    /// Empty when the cursor is caught up.
    /// </summary>
    public IReadOnlyList<JournalRecord> Read(string cursor, int maxRecords, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        lock (_gate)
        {
            ThrowIfDisposed();
            return ReadLocked(Get(cursor), maxRecords, maxBytes);
        }
    }

    /// <summary>
    /// Reads durable records from <paramref name="fromSequence"/> on without a cursor: nothing is
    /// persisted and segments are not held back for it. A draining uplink uses it for its live
    /// lane. The reader remembers its position, so reading on from where it stopped is cheap.
    /// </summary>
    public IReadOnlyList<JournalRecord> ReadAhead(string reader, long fromSequence, int maxRecords, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        lock (_gate)
        {
            ThrowIfDisposed();
            if (!_readers.TryGetValue(reader, out var state)) _readers[reader] = state = new CursorState(reader, fromSequence - 1);
            if (state.NextToRead != fromSequence) state.MoveReadTo(fromSequence);
            return ReadLocked(state, maxRecords, maxBytes);
        }
    }

    /// <summary>Forgets a <see cref="ReadAhead"/> reader.</summary>
    public void CloseReader(string reader)
    {
        lock (_gate) _readers.Remove(reader);
    }

    private List<JournalRecord> ReadLocked(CursorState state, int maxRecords, long maxBytes)
    {
        {
            var records = new List<JournalRecord>();
            long bytes = 0;
            var full = false;
            while (!full && state.NextToRead <= _durableSequence && FindSegment(state.NextToRead) is { } segment)
            {
                if (state.NextToRead < segment.FirstSequence) state.MoveReadTo(segment.FirstSequence);
                using var reader = SegmentReader.Open(segment.Path);
                if (!SeekTo(reader, segment, state))
                {
                    MarkCorruptFrom(segment, state.NextToRead);
                    continue;
                }
                while (state.NextToRead <= Math.Min(segment.LastSequence, _durableSequence))
                {
                    var offset = reader.Offset;
                    if (records.Count >= maxRecords) full = true;
                    else if (!reader.TryReadFrame(state.NextToRead, out var payload))
                    {
                        MarkCorruptFrom(segment, state.NextToRead);
                        break;
                    }
                    else if (records.Count > 0 && bytes + payload.Length > maxBytes) full = true;
                    else
                    {
                        records.Add(new JournalRecord(segment.Epoch, state.NextToRead, payload.ToArray()));
                        bytes += payload.Length;
                        state.NextToRead++;
                        continue;
                    }
                    reader.Seek(offset);
                    break;
                }
                state.CachedSegment = segment.FirstSequence;
                state.CachedOffset = reader.Offset;
            }
            return records;
        }
    }

    /// <summary>
    /// Records up to and including <paramref name="upToSequence"/> were delivered: moves the
    /// cursor, saves it when its file is older than <see cref="CursorSaveInterval"/>
    /// (crash-safe; see <see cref="CursorFile"/>) and deletes segments every cursor has passed.
    /// Acknowledging less than before is ignored; more than is durable is refused.
    /// </summary>
    public void Ack(string cursor, long upToSequence)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            var state = Get(cursor);
            if (upToSequence <= state.Acked) return;
            if (upToSequence > _durableSequence)
                throw new ArgumentOutOfRangeException(nameof(upToSequence), upToSequence,
                    $"Cursor {cursor} cannot acknowledge {upToSequence}: the highest durable sequence is {_durableSequence}.");
            state.Acked = upToSequence;
            if (state.NextToRead <= upToSequence) state.MoveReadTo(upToSequence + 1);
            SaveIfDue(state, _time.GetUtcNow());
            DeleteAckedSegments();
        }
    }

    /// <summary>
    /// Writes the cursor files that are behind and were last written at least
    /// <see cref="CursorSaveInterval"/> ago (all that are behind when <paramref name="force"/>).
    /// An uplink calls it while idle, so the last acknowledgement of a burst reaches the disk.
    /// </summary>
    public void SaveCursors(bool force = false)
    {
        lock (_gate)
        {
            if (_disposed) return;
            var now = force ? DateTimeOffset.MaxValue : _time.GetUtcNow();
            foreach (var state in _cursors.Values) SaveIfDue(state, now);
        }
    }

    /// <summary>
    /// Saves the cursor if it is behind and its file is older than the save interval. A
    /// position in memory that is not yet saved only means that after a crash a few seconds of
    /// delivered records are sent again, with the same ids; the SD card is spared two fsyncs
    /// per batch. A file that cannot be written stays behind (the error is kept for the stats)
    /// and is tried again at the next save: delivery goes on.
    /// </summary>
    private void SaveIfDue(CursorState state, DateTimeOffset now)
    {
        if (state.Saved == state.Acked || now - state.SavedAt < CursorSaveInterval) return;
        try
        {
            CursorFile.Save(Directory, state.Name, state.Acked);
        }
        catch (IOException e)
        {
            _lastError = $"cursor {state.Name} could not be saved: {e.Message}";
            return;
        }
        state.Saved = state.Acked;
        state.SavedAt = now == DateTimeOffset.MaxValue ? _time.GetUtcNow() : now;
    }

    /// <summary>The next read starts again right after the acknowledged position (after a failed send).</summary>
    public void Rewind(string cursor)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            var state = Get(cursor);
            state.MoveReadTo(state.Acked + 1);
        }
    }

    private CursorState Get(string cursor) =>
        _cursors.TryGetValue(cursor, out var state)
            ? state
            : throw new InvalidOperationException($"Journal cursor \"{cursor}\" is not open; call OpenCursor first.");

    private long OldestSequence() => _segments.Count > 0 ? _segments[0].FirstSequence : _nextSequence;

    /// <summary>The first segment holding <paramref name="sequence"/> or, in a gap, the next one after it.</summary>
    private Segment? FindSegment(long sequence) => _segments.FirstOrDefault(s => s.LastSequence >= sequence);

    /// <summary>Positions the reader at the cursor's next record: from the cached offset, or by walking the segment's frames.</summary>
    private static bool SeekTo(SegmentReader reader, Segment segment, CursorState state)
    {
        if (state.CachedSegment == segment.FirstSequence && state.CachedOffset >= 0)
        {
            reader.Seek(state.CachedOffset);
            return true;
        }
        reader.Seek(JournalFormat.HeaderBytes);
        for (var sequence = segment.FirstSequence; sequence < state.NextToRead; sequence++)
            if (!reader.TryReadFrame(sequence, out _)) return false;
        return true;
    }

    /// <summary>
    /// A frame that passed recovery fails now (the card corrupted it since): the segment ends
    /// before it for every cursor, and its remaining records are counted as dropped.
    /// </summary>
    private void MarkCorruptFrom(Segment segment, long sequence)
    {
        var lost = segment.LastSequence - sequence + 1;
        if (ReferenceEquals(segment, _segments[^1]) && _active is not null) RollLocked();
        segment.RecordCount = sequence - segment.FirstSequence;
        _dropped[DropReasons.CorruptOnRead] = _dropped.GetValueOrDefault(DropReasons.CorruptOnRead) + lost;
        JournalLog.CorruptOnRead(_logger, Path.GetFileName(segment.Path), lost);
        foreach (var cursor in _cursors.Values.Concat(_readers.Values).Where(c => c.CachedSegment == segment.FirstSequence)) cursor.CachedOffset = -1;
    }
}
