using System.Globalization;
using System.Text;

namespace FarmGateway.Journal;

/// <summary>
/// One file per cursor, <c>&lt;name&gt;.cursor</c>, holding the acknowledged sequence as text
/// ("-1" = nothing acknowledged), replaced with <see cref="DurableFile.Replace"/>.
/// </summary>
/// <remarks>
/// Why replace-by-rename and not an append-only cursor log: the journal saves a cursor at most
/// every few seconds (<see cref="DiskJournal.CursorSaveInterval"/>), however often batches are
/// acknowledged, so two fsyncs per save (file, directory) cost little on an SD card, the file never
/// needs compaction or its own torn-tail recovery, and a technician can read it with cat. The
/// rename is atomic, so after a power cut the file holds the old or the new position; the old
/// one only means a batch is sent again, with the same ids.
/// </remarks>
internal static class CursorFile
{
    public const string Extension = ".cursor";

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static string PathFor(string directory, string name) => Path.Combine(directory, name + Extension);

    public static void Save(string directory, string name, long acked) =>
        DurableFile.Replace(PathFor(directory, name), Encoding.ASCII.GetBytes(acked.ToString(CultureInfo.InvariantCulture) + "\n"));

    /// <summary>Every cursor file in the directory; an unreadable one comes back as null.</summary>
    public static IEnumerable<(string Name, long? Acked)> LoadAll(string directory)
    {
        foreach (var path in Directory.EnumerateFiles(directory, "*" + Extension).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (!IsValidName(name)) continue;
            var text = File.ReadAllText(path).Trim();
            yield return (name, long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var acked) && acked >= -1 ? acked : null);
        }
    }

    public static void Delete(string directory, string name) => File.Delete(PathFor(directory, name));
}
