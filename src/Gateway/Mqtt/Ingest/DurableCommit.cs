using FarmGateway.Journal;

namespace FarmGateway.Mqtt.Ingest;

/// <summary>
/// Group commit on demand for readings someone is waiting on: the first request starts a short
/// window, and one fsync at its end makes everything appended so far durable. The journal's own
/// FlushInterval is sized for sensors (one fsync a second spares the SD card); a broker that
/// waits for each PUBACK cannot wait that long per window of in-flight messages.
/// </summary>
public sealed class DurableCommit(DiskJournal journal, TimeProvider time)
{
    /// <summary>How long requests gather before the fsync.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(5);

    private int _scheduled;

    /// <summary>Waits until <paramref name="sequence"/> is durable, asking for an early fsync.</summary>
    public Task WaitAsync(long sequence, CancellationToken cancellationToken)
    {
        var durable = journal.WaitDurableAsync(sequence, cancellationToken);
        if (!durable.IsCompleted && Interlocked.Exchange(ref _scheduled, 1) == 0) _ = FlushSoonAsync();
        return durable;
    }

    private async Task FlushSoonAsync()
    {
        try
        {
            await Task.Delay(Window, time);
            Interlocked.Exchange(ref _scheduled, 0);
            journal.Flush();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The waiters stay pending until a later flush succeeds (the journal keeps the
            // records buffered); the ingest acknowledges nothing meanwhile.
            Interlocked.Exchange(ref _scheduled, 0);
        }
    }
}
