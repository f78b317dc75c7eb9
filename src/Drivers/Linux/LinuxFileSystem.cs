using System.Runtime.InteropServices;

namespace FarmGateway.Drivers.Linux;

/// <summary>
/// What .NET's file API cannot do on Linux: fsync a directory, which is what makes a rename or
/// a newly created file survive a power cut (the directory entry is data too).
/// </summary>
public static partial class LinuxFileSystem
{
    // O_RDONLY opens a directory for fsync; O_DIRECTORY is left out because its value differs
    // between x64 and arm64.
    private const int ReadOnly = 0;

    /// <summary>fsyncs a directory; throws IOException carrying errno on failure. No-op off Linux.</summary>
    public static void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux()) return;
        var fd = open(path, ReadOnly);
        if (fd < 0) throw Error("open", path);
        try
        {
            if (fsync(fd) != 0) throw Error("fsync", path);
        }
        finally
        {
            close(fd);
        }
    }

    private static IOException Error(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call}({path}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
