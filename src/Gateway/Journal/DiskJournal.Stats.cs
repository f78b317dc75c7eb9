namespace FarmGateway.Journal;

// Observable state for status, metrics and the CLI.
public sealed partial class DiskJournal
{
    public JournalStats GetStats()
    {
        lock (_gate)
        {
            return new JournalStats
            {
                Epoch = Epoch,
                Segments = _segments.Count,
                RetainedRecords = _segments.Sum(s => s.RecordCount),
                RetainedBytes = TotalBytes(),
                NextSequence = _nextSequence,
                DurableSequence = _durableSequence,
                Dropped = new Dictionary<string, long>(_dropped, StringComparer.Ordinal),
                CutRecords = _cutRecords,
                CutBytes = _cutBytes,
                QuarantinedSegments = _quarantined,
                FailedAppends = _failedAppends,
                LastError = _lastError,
                Cursors = [.. _cursors.Values.OrderBy(c => c.Name, StringComparer.Ordinal).Select(CursorStatsFor)],
            };
        }
    }

    private CursorStats CursorStatsFor(CursorState cursor)
    {
        var backlog = _segments.Sum(s => s.CountAfter(cursor.Acked));
        var oldest = _segments.Where(s => s.CountAfter(cursor.Acked) > 0)
            .Select(s => (long?)Math.Max(s.FirstSequence, cursor.Acked + 1))
            .FirstOrDefault();
        return new CursorStats(cursor.Name, cursor.Acked, backlog, oldest);
    }
}
