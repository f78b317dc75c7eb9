using System.Text;
using FarmGateway.Readings;

namespace FarmGateway.Journal;

/// <summary>The <c>epoch</c> file: 8 lowercase hex digits and a newline, replaced atomically.</summary>
internal static class JournalEpoch
{
    public const string FileName = "epoch";

    /// <summary>The stored epoch, or null when the file is missing or does not hold one.</summary>
    public static string? TryLoad(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        var text = File.ReadAllText(path).Trim();
        return JournalFormat.IsEpoch(text) ? text : null;
    }

    public static string CreateNew(string directory)
    {
        var epoch = RecordId.NewEpoch();
        DurableFile.Replace(Path.Combine(directory, FileName), Encoding.ASCII.GetBytes(epoch + "\n"));
        return epoch;
    }
}
