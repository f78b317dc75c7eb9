using System.Runtime.InteropServices;

namespace FarmGateway.Drivers.Linux;

/// <summary>
/// Every libc call in the codebase, with EINTR retried. Calls return what libc returns; the
/// errno of a failed call is <see cref="LastErrno"/>, read right after.
/// </summary>
internal static unsafe partial class LibC
{
    // fcntl.h, the same on x64, arm64 and arm.
    public const int ReadOnly = 0;
    public const int WriteOnly = 1;
    public const int ReadWrite = 2;
    public const int CloseOnExec = 0x80000;

    public static int LastErrno => Marshal.GetLastPInvokeError();

    public static int Open(string path, int flags)
    {
        int fd;
        do fd = open(path, flags | CloseOnExec);
        while (fd < 0 && LastErrno == Errno.EINTR);
        return fd;
    }

    /// <summary>Bytes read, 0 at end, or -1 with <see cref="LastErrno"/> set.</summary>
    public static int Read(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            nint n;
            do n = read(fd, p, (nuint)buffer.Length);
            while (n < 0 && LastErrno == Errno.EINTR);
            return (int)n;
        }
    }

    /// <summary>Bytes written, or -1 with <see cref="LastErrno"/> set.</summary>
    public static int Write(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            nint n;
            do n = write(fd, p, (nuint)data.Length);
            while (n < 0 && LastErrno == Errno.EINTR);
            return (int)n;
        }
    }

    /// <summary>An ioctl whose argument is an integer (I2C_SLAVE takes the address by value).</summary>
    public static int IoctlValue(int fd, uint request, nint argument) => ioctl(fd, request, argument);

    /// <summary>An ioctl whose argument is a struct the kernel reads and writes, laid out in <paramref name="data"/>.</summary>
    public static int IoctlBuffer(int fd, uint request, Span<byte> data)
    {
        fixed (byte* p = data)
        {
            int result;
            do result = ioctl(fd, request, (nint)p);
            while (result < 0 && LastErrno == Errno.EINTR);
            return result;
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int adjtimex(byte* timex);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, byte* buffer, nuint count);

    // ioctl is variadic in C; on Linux x64 and arm64 an integer vararg travels like a fixed one.
    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, nint argument);
}
