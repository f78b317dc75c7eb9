namespace FarmGateway.Drivers.Linux;

/// <summary>
/// What .NET's file API cannot do on Linux: fsync a directory, which is what makes a rename or
/// a newly created file survive a power cut (the directory entry is data too).
/// </summary>
public static class LinuxFileSystem
{
    /// <summary>fsyncs a directory; throws IOException carrying errno on failure. No-op off Linux.</summary>
    public static void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux()) return;
        // O_RDONLY opens a directory for fsync; O_DIRECTORY is left out because its value
        // differs between x64 and arm64.
        var fd = LibC.Open(path, LibC.ReadOnly);
        if (fd < 0) throw Error("open", path);
        try
        {
            if (LibC.fsync(fd) != 0) throw Error("fsync", path);
        }
        finally
        {
            LibC.close(fd);
        }
    }

    private static IOException Error(string call, string path)
    {
        var errno = LibC.LastErrno;
        return new IOException($"{call}({path}) failed: {Errno.Describe(errno)} (errno {errno})", errno);
    }
}
