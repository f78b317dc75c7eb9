using FarmGateway.Drivers.Linux;

namespace FarmGateway.Journal;

/// <summary>
/// Replaces a small file so that after a crash or power cut it holds either the old or the new
/// content, never a mix or nothing: write a temp file, fsync it, rename it over the target
/// (atomic on POSIX), fsync the directory (the rename is a directory change).
/// </summary>
internal static class DurableFile
{
    public static void Replace(string path, ReadOnlySpan<byte> content)
    {
        var temp = path + JournalFormat.TempExtension;
        using (var handle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.Write(handle, content, 0);
            RandomAccess.FlushToDisk(handle);
        }
        File.Move(temp, path, overwrite: true);
        LinuxFileSystem.SyncDirectory(Path.GetDirectoryName(path)!);
    }
}
