using FarmGateway.Journal;

namespace FarmGateway.Mqtt.Ingest;

/// <summary>
/// Group commit on demand for readings someone is waiting on (MQTT ingest acknowledges only
/// durable readings). The journal's own FlushInterval is sized for sensors (one fsync a second
/// spares the SD card); a broker that sends 20 messages and then waits for their PUBACKs
/// cannot wait that long. Here an fsync starts as soon as one is asked for and none is running;
/// whatever is asked for while it runs is covered by one more fsync right after, so the groups
/// grow with the load and an idle gateway pays one fsync per message at most.
/// </summary>
public sealed class DurableCommit(DiskJournal journal)
{
    private const int Idle = 0, Running = 1, RunningWithMore = 2;
    private int _state;

    /// <summary>Waits until <paramref name="sequence"/> is durable, asking for an fsync.</summary>
    public Task WaitAsync(long sequence, CancellationToken cancellationToken)
    {
        var durable = journal.WaitDurableAsync(sequence, cancellationToken);
        if (!durable.IsCompleted) Request();
        return durable;
    }

    private void Request()
    {
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case Idle when Interlocked.CompareExchange(ref _state, Running, Idle) == Idle:
                    _ = Task.Run(FlushWhileAsked);
                    return;
                case Running when Interlocked.CompareExchange(ref _state, RunningWithMore, Running) == Running:
                case RunningWithMore:
                    return;
            }
        }
    }

    private void FlushWhileAsked()
    {
        while (true)
        {
            try
            {
                journal.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The waiters stay pending until a later flush succeeds (the journal keeps the
                // records buffered); the ingest acknowledges nothing meanwhile.
            }
            if (Interlocked.CompareExchange(ref _state, Running, RunningWithMore) == RunningWithMore) continue;
            if (Interlocked.CompareExchange(ref _state, Idle, Running) == Running) return;
        }
    }
}
