namespace FarmGateway.Diagnostics;

/// <summary>
/// Lets a repeating message through at most once per period per key and counts what it held
/// back, so a sensor failing every second costs one log line a minute, not sixty.
/// </summary>
public sealed class LogThrottle(TimeProvider time, TimeSpan period)
{
    private readonly Dictionary<string, (long LastTicks, int Suppressed)> _keys = [];
    private readonly Lock _gate = new();

    /// <summary>True when the caller should log now; <paramref name="suppressed"/> = how many were held back since.</summary>
    public bool ShouldLog(string key, out int suppressed)
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (_keys.TryGetValue(key, out var entry) && time.GetElapsedTime(entry.LastTicks, now) < period)
            {
                _keys[key] = entry with { Suppressed = entry.Suppressed + 1 };
                suppressed = 0;
                return false;
            }
            suppressed = entry.Suppressed;
            _keys[key] = (now, 0);
            return true;
        }
    }
}
