using System.Runtime.InteropServices;

namespace FarmGateway.Drivers.Linux;

/// <summary>The Linux errno values drivers tell apart (asm-generic/errno-base.h and errno.h; same on x64 and arm64).</summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ETIMEDOUT = 110;
    public const int EREMOTEIO = 121;

    /// <summary>The C library's text for an errno, e.g. "Remote I/O error".</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
