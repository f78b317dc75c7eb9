using FarmGateway.Drivers.Linux;

namespace FarmGateway.Sources;

/// <summary>Whether readings taken now have a trustworthy wall clock (see the record's <c>clock</c> field).</summary>
public interface IClockState
{
    bool IsSynchronized { get; }
}

/// <summary>
/// Asks the kernel. Where it cannot be asked (not Linux) the clock is taken as synced: only a
/// Pi without RTC after a power cut is the case we flag.
/// </summary>
public sealed class KernelClockState : IClockState
{
    public bool IsSynchronized => KernelClock.IsSynchronized() ?? true;
}
