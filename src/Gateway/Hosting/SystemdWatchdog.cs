using System.Globalization;

namespace FarmGateway.Hosting;

/// <summary>
/// The watchdog systemd asked for (WatchdogSec= in the unit): WATCHDOG=1 is due every
/// <see cref="Period"/>, half of WATCHDOG_USEC as sd_watchdog_enabled(3) advises. Null when
/// the watchdog is off or meant for another process (WATCHDOG_PID).
/// </summary>
public sealed record SystemdWatchdog(TimeSpan? Period)
{
    public const string UsecVariable = "WATCHDOG_USEC";
    public const string PidVariable = "WATCHDOG_PID";

    public static SystemdWatchdog FromEnvironment()
    {
        var pid = Environment.GetEnvironmentVariable(PidVariable);
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
            return new SystemdWatchdog((TimeSpan?)null);
        return long.TryParse(Environment.GetEnvironmentVariable(UsecVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) && usec > 0
            ? new SystemdWatchdog(TimeSpan.FromMicroseconds(usec / 2.0))
            : new SystemdWatchdog((TimeSpan?)null);
    }
}
