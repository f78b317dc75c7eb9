using System.Text;

namespace FarmGateway.Drivers.Linux;

/// <summary>
/// sysfs through libc open/read, so the errno of a failed read reaches the driver as is
/// (.NET's file API turns some of them into exception types that lose it).
/// </summary>
public sealed class Sysfs : ISysfs
{
    public static Sysfs Instance { get; } = new();

    // A sysfs attribute is at most a page.
    private const int MaxAttributeBytes = 4096;

    public SysfsResult ReadText(string path)
    {
        var errno = ReadAll(path, out var buffer, out var length);
        return errno != 0
            ? SysfsResult.Error(errno)
            : SysfsResult.Success(Encoding.UTF8.GetString(buffer, 0, length).TrimEnd('\n', '\0'));
    }

    public byte[]? ReadBytes(string path) =>
        ReadAll(path, out var buffer, out var length) == 0 ? buffer[..length] : null;

    private static int ReadAll(string path, out byte[] buffer, out int length)
    {
        buffer = new byte[MaxAttributeBytes];
        length = 0;
        var fd = LibC.Open(path, LibC.ReadOnly);
        if (fd < 0) return LibC.LastErrno;
        try
        {
            while (length < buffer.Length)
            {
                var n = LibC.Read(fd, buffer.AsSpan(length));
                if (n < 0) return LibC.LastErrno;
                if (n == 0) break;
                length += n;
            }
            return 0;
        }
        finally
        {
            LibC.close(fd);
        }
    }

    public IReadOnlyList<string> List(string directory)
    {
        try
        {
            return [.. new DirectoryInfo(directory).EnumerateFileSystemInfos().Select(e => e.Name).Order(StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    public bool Exists(string path) => Path.Exists(path);
}
