using FarmGateway.Drivers.Linux;
using FarmGateway.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FarmGateway.Journal;

/// <summary>
/// The journal: an append-only, segmented, checksummed log of serialized readings, with one
/// named cursor per uplink. The payload is opaque here; the journal gives it a sequence.
///
/// Invariants (MUST hold after any crash, kill -9 or power cut):
/// - A record is accepted only once durable: <see cref="DurableSequence"/> advances only after
///   the fsync that covers all of its frame (and the directory fsync for a new segment), and
///   <see cref="Read"/> never hands out a record above it. So a record an uplink sent is
///   always on disk, and a record cut at start-up was either never accepted or is counted.
/// - Page-aligned group commit (for the SD card): an append encodes its frame into the active
///   segment's in-memory tail. The file is written only in whole 4 KiB pages aligned to the
///   file offset, one write each time the tail completes a page boundary, so a frame may be
///   split across two writes; the tail then always ends below the next page boundary. The
///   partial last page is written only by a full flush: explicit <see cref="Flush"/>, zero
///   FlushInterval (every append), segment roll, Dispose, or the deadline when a record still
///   in the tail has waited FlushInterval. The deadline is per record: when the oldest record
///   that is not durable has waited FlushInterval, the pages written so far are fsynced (and
///   the tail too if one of its records is that old); otherwise nothing is fsynced. So every
///   record is durable about FlushInterval after its append at the latest, and at a barn's
///   rate (a page fills in ~0.8 s at 20 readings/s) each page is written and fsynced once
///   instead of a partial page being rewritten by every fsync. Why this keeps the invariants:
///   a record becomes durable only when every byte of its frame was written before the fsync
///   (<c>_writtenSequence</c>: the last frame wholly in the file), so Read never needs a byte
///   that is only in memory; a torn frame in the file is never durable, and what the
///   tail held is lost by a crash exactly like unsynced pages are by a power cut: never
///   accepted. Start-up recovery is unchanged (it cuts a frame split by a page write like any
///   torn tail, and starts a new epoch). Roll and cap accounting count the tail.
/// - A segment only grows by whole frames as far as anything durable is concerned; a failed
///   write is cut back to the previous written length (retried before the next write or fsync
///   if the cut fails too), and the tail is left as it was: the append whose page write failed
///   takes its own frame out of the tail and throws (its sequence is not used, the caller
///   retries it), the frames of earlier appends stay buffered and are written by the next page
///   write or flush (a failed deadline flush is logged and retried one FlushInterval later; an
///   explicit Flush throws). Nothing that returned from Append is dropped silently while the
///   journal is open; Dispose with a disk that still refuses loses the tail (never accepted).
/// - Within a segment, sequences are contiguous from the header's first sequence. Sequences
///   only ever increase (across restarts and epochs), so segment names sort by sequence.
///   Gaps between segments are records dropped (disk cap) or quarantined.
/// - An id is (segment epoch, sequence). A sequence is never reused within an epoch: when
///   start-up recovery lost anything that may have been handed out (cut tail, quarantined
///   segment, a cursor ahead of the log), a new epoch starts in a new segment.
/// - A cursor file only moves forward and is replaced atomically; segments are deleted only
///   when every cursor acknowledged all of their records, or by the disk cap (counted as
///   "disk cap" drops, cursors moved past them). The segment being written is never deleted.
/// - Open never throws for corrupt data: the last segment's bad tail is cut, other bad
///   segments are renamed to *.corrupt, bad cursors are clamped; all of it is in
///   <see cref="Recovery"/> and logged as Warnings.
///
/// On-disk format (all integers little endian):
/// <code>
/// &lt;dir&gt;/epoch                          "1f3a9c0b\n": the epoch new records get
/// &lt;dir&gt;/&lt;name&gt;.cursor                    "41\n": highest acknowledged sequence (-1 = none)
/// &lt;dir&gt;/00000000000000000042.seg        segment named by its first sequence (20 digits)
///   header, 32 bytes: magic "FGJS" | u16 version = 1 | u16 header length = 32 |
///                     8 ASCII hex epoch | u64 first sequence | u32 reserved = 0 |
///                     u32 CRC32C of the 28 bytes before it
///   frame, repeated:  u32 payload length (1..MaxPayloadBytes) |
///                     u32 CRC32C over (u64 sequence, payload) | u64 sequence | payload
/// &lt;dir&gt;/*.seg.corrupt                   quarantined segments, kept for inspection
/// </code>
/// Thread-safety: every public member may be called from any thread; one lock serializes
/// them (appends, reads and fsyncs are short compared to the readings' interval). The flush
/// timer is one-shot, armed for the oldest unsynced record's deadline.
/// </summary>
public sealed partial class DiskJournal : IDisposable
{
    /// <summary>Largest payload accepted; a reading is a few hundred bytes, so this only stops mistakes.</summary>
    public const int MaxPayloadBytes = 1024 * 1024;

    private readonly Lock _gate = new();
    private readonly JournalOptions _options;
    private readonly TimeProvider _time;
    private readonly AppendFileOpener _open;
    private readonly ILogger _logger;
    private readonly List<Segment> _segments;
    private readonly Dictionary<string, CursorState> _cursors = new(StringComparer.Ordinal);

    /// <summary>A cursor file is rewritten at most this often (plus at idle and on close): two fsyncs each.</summary>
    public static readonly TimeSpan CursorSaveInterval = TimeSpan.FromSeconds(5);

    // Position-only readers (ReadAhead): not persisted, never hold segments back.
    private readonly Dictionary<string, CursorState> _readers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _dropped = new(StringComparer.Ordinal);
    private readonly DurabilityWaiters _waiters = new();
    private readonly ITimer? _flushTimer;
    private readonly long _flushTicks;
    private IAppendFile? _active;
    /// <summary>Bytes of the active segment in the file (written, synced or not).</summary>
    private long _writtenLength;
    /// <summary>The active segment's bytes after <see cref="_writtenLength"/>: frames (the first possibly only its rest) not written yet.</summary>
    private byte[] _tail = new byte[4 * PageBytes];
    private int _tailCount;
    /// <summary>The last record wholly in the file.</summary>
    private long _writtenSequence;
    /// <summary>When the oldest change that is not durable yet (record or new segment) was made; NoTimestamp if none.</summary>
    private long _unsyncedSince = NoTimestamp;
    /// <summary>When the oldest record that is (partly) only in the tail was appended; NoTimestamp if none.</summary>
    private long _unwrittenSince = NoTimestamp;
    /// <summary>After a failed deadline flush, not retried before this timestamp.</summary>
    private long _retryAfter;
    /// <summary>The timestamp the one-shot flush timer is armed for; NoTimestamp if disarmed.</summary>
    private long _timerDue = NoTimestamp;
    private bool _needsCut;
    private bool _unsynced;
    private bool _directoryDirty;
    private bool _disposed;
    private long _nextSequence;
    private long _durableSequence;
    private long _cutBytes;
    private long _cutRecords;
    private int _quarantined;
    private long _failedAppends;
    private string? _lastError;

    private DiskJournal(string directory, JournalOptions options, TimeProvider time, AppendFileOpener open, ILogger logger,
        List<Segment> segments, string epoch, long nextSequence)
    {
        Directory = directory;
        _options = options;
        _time = time;
        _open = open;
        _logger = logger;
        _segments = segments;
        Epoch = epoch;
        _nextSequence = nextSequence;
        _durableSequence = nextSequence - 1;
        _writtenSequence = nextSequence - 1;
        _flushTicks = ToTimestampTicks(options.FlushInterval, time.TimestampFrequency);
        // One-shot, armed for the oldest unsynced record's deadline (ArmFlushTimer).
        if (options.FlushInterval > TimeSpan.Zero)
            _flushTimer = time.CreateTimer(_ => FlushFromTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public string Directory { get; }

    /// <summary>The epoch of records appended from now on.</summary>
    public string Epoch { get; private set; }

    /// <summary>What start-up recovery found and did.</summary>
    public JournalRecovery Recovery { get; private set; } = null!;

    /// <summary>Highest sequence known durable (accepted), -1 if none.</summary>
    public long DurableSequence => Interlocked.Read(ref _durableSequence);

    /// <summary>The sequence the next append gets.</summary>
    public long NextSequence
    {
        get
        {
            lock (_gate) return _nextSequence;
        }
    }

    /// <summary>
    /// Opens or creates the journal in <paramref name="directory"/>, recovering from whatever an
    /// unclean stop left behind (see <see cref="Recovery"/>). Throws only for I/O errors, never
    /// for corrupt data.
    /// </summary>
    public static DiskJournal Open(string directory, JournalOptions options, TimeProvider time,
        AppendFileOpener? openFile = null, ILogger? logger = null)
    {
        options.Validate();
        logger ??= NullLogger.Instance;
        var open = openFile ?? AppendFile.Open;
        System.IO.Directory.CreateDirectory(directory);
        var storedEpoch = JournalEpoch.TryLoad(directory);
        var scan = SegmentRecovery.Run(directory, open, logger);
        var segments = scan.Segments;
        var next = Math.Max(segments.Count > 0 ? segments[^1].LastSequence + 1 : 0, scan.SequenceFloor);
        var oldest = segments.Count > 0 ? segments[0].FirstSequence : next;

        var cursors = new List<CursorState>();
        var repairs = new List<CursorRepair>();
        foreach (var (name, stored) in CursorFile.LoadAll(directory))
        {
            var (acked, reason) = stored switch
            {
                null => (oldest - 1, "the cursor file was unreadable; it starts again at the oldest record"),
                var a when a > next - 1 => (next - 1, $"it pointed past the last record ({next - 1}); clamped to the end"),
                var a when a < oldest - 1 => (oldest - 1, $"records after it were deleted; moved to the oldest record ({oldest})"),
                var a => (a.Value, null),
            };
            cursors.Add(new CursorState(name, acked));
            if (reason is null) continue;
            repairs.Add(new CursorRepair(name, stored, acked, reason));
            JournalLog.CursorRepaired(logger, name, stored, acked, reason);
        }

        var newEpochReason =
            storedEpoch is null && segments.Count == 0 && scan.Quarantined.Count == 0 && cursors.Count == 0 ? "created"
            : storedEpoch is null ? "the epoch file was missing"
            : scan.CutBytes > 0 ? "recovery cut the tail of the last segment, so the sequences after the cut are written again"
            : scan.Quarantined.Count > 0 ? "a segment was quarantined, so sequences it held may be written again"
            : repairs.Any(r => r.From > next - 1) ? "a cursor was ahead of the log, so sequences it acknowledged may be written again"
            : null;
        var epoch = newEpochReason is null ? storedEpoch! : JournalEpoch.CreateNew(directory);
        if (newEpochReason is not (null or "created")) JournalLog.NewEpoch(logger, epoch, newEpochReason);

        var journal = new DiskJournal(directory, options, time, open, logger, segments, epoch, next);
        journal._cutBytes = scan.CutBytes;
        journal._cutRecords = scan.CutRecords;
        journal._quarantined = scan.Quarantined.Count;
        foreach (var cursor in cursors) journal._cursors.Add(cursor.Name, cursor);
        foreach (var repair in repairs) CursorFile.Save(directory, repair.Cursor, repair.To);
        lock (journal._gate) journal.StartActiveSegment(); // the flush timer already runs
        LinuxFileSystem.SyncDirectory(directory);
        journal.Recovery = new JournalRecovery
        {
            Epoch = epoch,
            NewEpochReason = newEpochReason,
            SegmentsKept = segments.Count,
            RecordsKept = segments.Sum(s => s.RecordCount),
            CutBytes = scan.CutBytes,
            CutRecords = scan.CutRecords,
            Quarantined = scan.Quarantined,
            CursorRepairs = repairs,
        };
        JournalLog.Opened(logger, directory, epoch, journal._segments.Count, journal.Recovery.RecordsKept);
        return journal;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            foreach (var state in _cursors.Values) SaveIfDue(state, DateTimeOffset.MaxValue);
            _disposed = true;
            _flushTimer?.Dispose();
            try
            {
                FlushLocked();
            }
            catch (IOException)
            {
                // Logged by FlushLocked; what was not fsynced (and the tail that could not be
                // written) was never reported durable, so it was never accepted.
            }
            _active?.Dispose();
            _active = null;
            _waiters.FailAll(new ObjectDisposedException(nameof(DiskJournal)));
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
