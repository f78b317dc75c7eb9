namespace FarmGateway.Drivers.Linux;

/// <summary>
/// Asks the kernel whether the wall clock is synchronised (NTP, chrony, timesyncd all report
/// through the same kernel flag). A Pi has no real-time clock, so after a power cut the clock can
/// be hours behind until a time daemon syncs it; records say which case they were taken in.
/// </summary>
public static class KernelClock
{
    // adjtimex(2) returns the clock state; TIME_ERROR means "not synchronised".
    private const int TimeError = 5;

    // struct timex is 208 bytes on 64-bit Linux and smaller on 32-bit; modes (offset 0) = 0
    // makes the call read-only, so a zeroed buffer larger than either layout is safe.
    private const int TimexBufferBytes = 512;

    /// <summary>True when synced, false when the kernel says not synced, null when it cannot be asked.</summary>
    public static bool? IsSynchronized()
    {
        if (!OperatingSystem.IsLinux()) return null;
        Span<byte> timex = stackalloc byte[TimexBufferBytes];
        timex.Clear();
        try
        {
            unsafe
            {
                fixed (byte* p = timex)
                {
                    int state = LibC.adjtimex(p);
                    return state < 0 ? null : state != TimeError;
                }
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }
}
