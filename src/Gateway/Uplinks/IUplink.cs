using FarmGateway.Journal;

namespace FarmGateway.Uplinks;

/// <summary>
/// A destination for records. Adding an uplink is one folder implementing this; the
/// <see cref="UplinkWorker"/> owns the cursor, batching, retries and status, so an uplink only
/// delivers. Records arrive as schema v1 bytes and are sent unchanged.
/// </summary>
public interface IUplink : IAsyncDisposable
{
    /// <summary>The journal cursor name: stable across restarts (renaming it re-sends the backlog).</summary>
    string Name { get; }

    /// <summary>Largest batch the far side takes.</summary>
    int MaxBatchRecords { get; }

    long MaxBatchBytes { get; }

    /// <summary>Opens what it needs; called before the gateway reports ready.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Delivers the whole batch, in order, or throws. Returning means every record is durably
    /// with the far side, so the cursor moves past them; throwing means the batch is sent again
    /// later (ids make a repeat harmless).
    /// </summary>
    Task SendAsync(IReadOnlyList<JournalRecord> batch, CancellationToken cancellationToken);

    /// <summary>Called about once a second while idle, e.g. to close an hour's file.</summary>
    Task TickAsync(CancellationToken cancellationToken);
}
