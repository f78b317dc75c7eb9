namespace FarmGateway.Hosting;

/// <summary>
/// Heartbeats of the loops that keep data flowing. The systemd watchdog is fed only while every
/// registered loop has beaten recently, so a stuck writer gets the service restarted. Sensor
/// loops do not register: a dead sensor must never take the gateway down.
/// </summary>
public sealed class LoopHealth(TimeProvider time)
{
    private readonly Dictionary<string, (long LastTicks, TimeSpan MaxSilence)> _loops = [];
    private readonly Lock _gate = new();

    public void Register(string loop, TimeSpan maxSilence)
    {
        lock (_gate) _loops[loop] = (time.GetTimestamp(), maxSilence);
    }

    public void Beat(string loop)
    {
        lock (_gate)
        {
            if (_loops.TryGetValue(loop, out var entry)) _loops[loop] = entry with { LastTicks = time.GetTimestamp() };
        }
    }

    public void Unregister(string loop)
    {
        lock (_gate) _loops.Remove(loop);
    }

    /// <summary>The first loop that has been silent too long, or null when all are alive.</summary>
    public string? FindStuckLoop()
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            foreach (var (name, (last, maxSilence)) in _loops)
                if (time.GetElapsedTime(last, now) > maxSilence) return name;
        }
        return null;
    }
}
