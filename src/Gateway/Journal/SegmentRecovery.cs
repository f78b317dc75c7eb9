using FarmGateway.Storage;
using Microsoft.Extensions.Logging;

namespace FarmGateway.Journal;

/// <summary>
/// Start-up scan of every segment, frame by frame. Never throws for bad data: a torn or
/// corrupt tail of the last segment is cut at the last good frame; any other segment that
/// fails (bad header, name not matching the header, sequences overlapping the previous
/// segment, a bad frame in the middle of the journal) is renamed to *.corrupt and skipped.
/// </summary>
internal static class SegmentRecovery
{
    public sealed record Outcome(List<Segment> Segments, long CutBytes, long CutRecords, List<QuarantinedSegment> Quarantined, long SequenceFloor);

    private sealed record Scanned(Segment Segment, long GoodLength, long FileLength, long TailRecords);

    public static Outcome Run(string directory, AppendFileOpener open, ILogger logger)
    {
        foreach (var temp in Directory.EnumerateFiles(directory, "*" + JournalFormat.TempExtension)) File.Delete(temp);

        var quarantined = new List<QuarantinedSegment>();
        var kept = new List<Scanned>();
        long floor = 0;
        foreach (var path in Directory.EnumerateFiles(directory, "*" + JournalFormat.SegmentExtension).Order(StringComparer.Ordinal))
        {
            var fileName = Path.GetFileName(path);
            var named = JournalFormat.TryParseSegmentFileName(fileName, out var nameSequence);
            if (named) floor = Math.Max(floor, nameSequence);
            var scanned = Scan(path);
            var problem = scanned switch
            {
                null => "bad header",
                _ when !named || nameSequence != scanned.Segment.FirstSequence => "file name does not match its header",
                _ when kept.Count > 0 && scanned.Segment.FirstSequence <= kept[^1].Segment.LastSequence => "sequences overlap the previous segment",
                _ => null,
            };
            if (problem is null) kept.Add(scanned!);
            else quarantined.Add(Quarantine(path, problem, logger));
        }

        long cutBytes = 0, cutRecords = 0;
        var segments = new List<Segment>();
        for (var i = 0; i < kept.Count; i++)
        {
            var scanned = kept[i];
            if (scanned.GoodLength < scanned.FileLength)
            {
                if (i < kept.Count - 1)
                {
                    quarantined.Add(Quarantine(scanned.Segment.Path, "a frame failed its check in the middle of the journal", logger));
                    continue;
                }
                using (var file = open(scanned.Segment.Path))
                {
                    file.Truncate(scanned.GoodLength);
                    file.Sync();
                }
                cutBytes += scanned.FileLength - scanned.GoodLength;
                cutRecords += scanned.TailRecords;
                JournalLog.TailCut(logger, Path.GetFileName(scanned.Segment.Path), scanned.FileLength - scanned.GoodLength, scanned.TailRecords);
            }
            segments.Add(scanned.Segment);
        }
        return new Outcome(segments, cutBytes, cutRecords, quarantined, floor);
    }

    private static Scanned? Scan(string path)
    {
        using var reader = SegmentReader.Open(path);
        if (reader.ReadHeader() is not { } header) return null;
        var segment = new Segment(path, header.Epoch, header.FirstSequence);
        while (reader.TryReadFrame(segment.FirstSequence + segment.RecordCount, out _)) segment.RecordCount++;
        segment.Bytes = reader.Offset;
        var tail = reader.Offset < reader.FileLength ? reader.CountFramesInTail() : 0;
        return new Scanned(segment, reader.Offset, reader.FileLength, tail);
    }

    private static QuarantinedSegment Quarantine(string path, string reason, ILogger logger)
    {
        var bytes = new FileInfo(path).Length;
        var target = path + JournalFormat.QuarantineExtension;
        for (var n = 1; File.Exists(target); n++) target = $"{path}.{n}{JournalFormat.QuarantineExtension}";
        File.Move(path, target);
        JournalLog.Quarantined(logger, Path.GetFileName(path), reason, bytes);
        return new QuarantinedSegment(Path.GetFileName(path), reason, bytes);
    }
}
