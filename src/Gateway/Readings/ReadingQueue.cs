using System.Threading.Channels;
using FarmGateway.Status;

namespace FarmGateway.Readings;

/// <summary>
/// The hand-over from sources to the store: bounded, so a stuck disk cannot eat the Pi's RAM.
/// When it is full the newest reading is refused and counted; nothing already queued is lost.
/// Many sources write, one consumer reads.
/// </summary>
public sealed class ReadingQueue(GatewayCounters counters)
{
    public const int Capacity = 10_000;
    public const string DropReason = "queue full (store not keeping up)";

    private readonly Channel<Reading> _channel = Channel.CreateBounded<Reading>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ChannelReader<Reading> Reader => _channel.Reader;

    /// <summary>
    /// Offers a reading; false when the queue is full or closed, counted as produced and dropped
    /// unless <paramref name="countRefusal"/> is false: a producer that gets the reading again
    /// (MQTT ingest: the broker redelivers what was not acknowledged) loses nothing.
    /// </summary>
    public bool TryAdd(Reading reading, bool countRefusal = true)
    {
        if (_channel.Writer.TryWrite(reading))
        {
            counters.AddProduced();
            return true;
        }
        if (!countRefusal) return false;
        counters.AddProduced();
        counters.AddDropped(DropReason);
        return false;
    }

    /// <summary>No more readings will come (sources stopped); the consumer drains what is left.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
