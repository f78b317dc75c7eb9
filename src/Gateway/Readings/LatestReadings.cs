using System.Collections.Concurrent;
using System.Threading.Channels;

namespace FarmGateway.Readings;

/// <summary>
/// The newest reading of each sensor, for live displays. Setting one never blocks and never
/// queues: a consumer that falls behind (a broker that is down) finds only the latest values,
/// which is all a screen needs.
/// </summary>
public sealed class LatestReadings
{
    private readonly ConcurrentDictionary<string, Reading> _latest = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _changed = new(StringComparer.Ordinal);
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Set(Reading reading)
    {
        _latest[reading.Sensor] = reading;
        _changed[reading.Sensor] = true;
        _signal.Writer.TryWrite(true);
    }

    /// <summary>Completes when something changed since the last <see cref="TakeChanged"/>.</summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _signal.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>The readings that changed since the last call, marking them seen.</summary>
    public IReadOnlyList<Reading> TakeChanged()
    {
        _signal.Reader.TryRead(out _);
        var changed = new List<Reading>();
        foreach (var sensor in _changed.Keys)
        {
            if (_changed.TryRemove(sensor, out _) && _latest.TryGetValue(sensor, out var reading)) changed.Add(reading);
        }
        return changed;
    }

    /// <summary>Every sensor's newest reading (to republish all after a reconnect).</summary>
    public IReadOnlyList<Reading> All => [.. _latest.Values];
}
