using System.Globalization;
using FarmGateway.Drivers.Linux;
using FarmGateway.Storage;

namespace FarmGateway.Uplinks.File;

/// <summary>
/// The outbox folder: NDJSON files, one record per line.
///
/// Invariants a reader can rely on:
/// - A file named <c>*.ndjson</c> is complete and never changes again: it was fsynced, then
///   renamed from <c>*.ndjson.part</c> (rename is atomic), then the folder was fsynced. Pick up,
///   move or delete only <c>*.ndjson</c> files.
/// - The one <c>*.ndjson.part</c> file is being written; it only ever grows by whole lines
///   (one write per batch of complete lines; a failed write is cut back), so <c>tail -f</c> works.
/// - Files are named <c>readings-&lt;gateway&gt;-&lt;yyyyMMdd&gt;T&lt;HH&gt;Z-&lt;nnnnnn&gt;</c>: sorting by
///   name is sorting by time. A new file starts every UTC hour and whenever one would exceed
///   MaxFileBytes; the same hour's files count up nnnnnn.
/// - After a crash, a left-over <c>.part</c> file has its torn last line cut and is completed
///   at start-up, before anything new is written.
/// </summary>
public sealed class NdjsonOutbox(
    string directory,
    string gatewayId,
    long maxFileBytes,
    TimeProvider time,
    AppendFileOpener? openFile = null) : IDisposable
{
    public const string PartSuffix = ".part";
    public const string Extension = ".ndjson";

    private readonly AppendFileOpener _open = openFile ?? AppendFile.Open;
    private IAppendFile? _current;
    private string? _currentHour;
    private bool _unsynced;

    public string Directory => directory;

    /// <summary>The file being written, if any.</summary>
    public string? CurrentPath => _current?.Path;

    /// <summary>Files completed (renamed to .ndjson) since start.</summary>
    public long FilesCompleted { get; private set; }

    /// <summary>Completes every left-over .part file, cutting torn tails. Call once before writing.</summary>
    public OutboxRecovery Recover()
    {
        System.IO.Directory.CreateDirectory(directory);
        var recovery = new OutboxRecovery();
        foreach (var part in System.IO.Directory.EnumerateFiles(directory, "*" + Extension + PartSuffix).Order(StringComparer.Ordinal))
        {
            using (var file = _open(part))
            {
                var cut = CutTornTail(part, file);
                recovery = recovery with { TornBytesCut = recovery.TornBytesCut + cut };
                if (cut > 0) recovery = recovery with { TornLinesCut = recovery.TornLinesCut + 1 };
                file.Sync();
                if (file.Length == 0)
                {
                    file.Dispose();
                    System.IO.File.Delete(part);
                    continue;
                }
            }
            System.IO.File.Move(part, part[..^PartSuffix.Length], overwrite: false);
            recovery = recovery with { FilesCompleted = recovery.FilesCompleted + 1 };
        }
        LinuxFileSystem.SyncDirectory(directory);
        return recovery;
    }

    /// <summary>
    /// Appends whole lines (each ending in '\n') in one write. Starts a new file first when the
    /// hour changed or the file would grow past MaxFileBytes. On failure the file is cut back to
    /// where it was, so no half line stays behind, and the exception propagates.
    /// </summary>
    public void Append(ReadOnlySpan<byte> lines)
    {
        if (lines.IsEmpty) return;
        if (lines[^1] != (byte)'\n') throw new ArgumentException("Only whole lines can be appended.", nameof(lines));
        RotateIfDue(lines.Length);
        var file = _current ??= OpenNext();
        var before = file.Length;
        try
        {
            file.Append(lines);
            _unsynced = true;
        }
        catch (IOException)
        {
            CutBackOrAbandon(file, before);
            throw;
        }
    }

    /// <summary>fsyncs what was appended; returns false when there was nothing to sync.</summary>
    public bool Sync()
    {
        if (_current is null || !_unsynced) return false;
        _current.Sync();
        _unsynced = false;
        return true;
    }

    /// <summary>
    /// Completes the current file when its hour is over or <paramref name="incomingBytes"/> would
    /// overfill it (called on every tick, even without data). True when a file was completed.
    /// </summary>
    public bool RotateIfDue(int incomingBytes = 0)
    {
        if (_current is null) return false;
        var hourOver = HourKey() != _currentHour;
        var full = _current.Length > 0 && _current.Length + incomingBytes > maxFileBytes;
        if (!hourOver && !full) return false;
        Complete();
        return true;
    }

    /// <summary>Syncs and completes the current file (on shutdown); the next append opens a new one.</summary>
    public void Complete()
    {
        if (_current is not { } file) return;
        Sync();
        var path = file.Path;
        var empty = file.Length == 0;
        file.Dispose();
        _current = null;
        if (empty)
            System.IO.File.Delete(path);
        else
        {
            System.IO.File.Move(path, path[..^PartSuffix.Length], overwrite: false);
            FilesCompleted++;
        }
        LinuxFileSystem.SyncDirectory(directory);
    }

    public void Dispose() => _current?.Dispose();

    private IAppendFile OpenNext()
    {
        _currentHour = HourKey();
        var prefix = $"readings-{gatewayId}-{_currentHour}-";
        var next = System.IO.Directory.EnumerateFiles(directory, prefix + "*")
            .Select(p => Path.GetFileName(p)[prefix.Length..].Split('.')[0])
            .Select(n => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : 0)
            .DefaultIfEmpty(0)
            .Max() + 1;
        var file = _open(Path.Combine(directory, $"{prefix}{next:D6}{Extension}{PartSuffix}"));
        LinuxFileSystem.SyncDirectory(directory);
        return file;
    }

    private string HourKey() => time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HH'Z'", CultureInfo.InvariantCulture);

    private void CutBackOrAbandon(IAppendFile file, long length)
    {
        try
        {
            file.Truncate(length);
        }
        catch (IOException)
        {
            // The disk refuses even the cut: leave the file as .part; start-up recovery cuts
            // its torn tail. New lines go to a new file.
            file.Dispose();
            _current = null;
        }
    }

    /// <summary>Cuts everything after the last '\n'; returns how many bytes were cut.</summary>
    private static long CutTornTail(string path, IAppendFile file)
    {
        var length = file.Length;
        if (length == 0) return 0;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var buffer = new byte[4096];
        var end = length;
        while (end > 0)
        {
            var start = Math.Max(0, end - buffer.Length);
            stream.Position = start;
            stream.ReadExactly(buffer, 0, (int)(end - start));
            var newline = Array.LastIndexOf(buffer, (byte)'\n', (int)(end - start - 1));
            if (newline >= 0)
            {
                var keep = start + newline + 1;
                if (keep < length) file.Truncate(keep);
                return length - keep;
            }
            end = start;
        }
        file.Truncate(0);
        return length;
    }
}

/// <summary>What start-up recovery found in the outbox.</summary>
public readonly record struct OutboxRecovery(int FilesCompleted, int TornLinesCut, long TornBytesCut);
