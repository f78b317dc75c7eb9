using FarmGateway.Journal;

namespace FarmGateway.Uplinks;

/// <summary>
/// A destination for records. Adding an uplink is one folder implementing this; the
/// <see cref="UplinkWorker"/> owns the cursor, batching, retries, quarantine and status, so an
/// uplink only delivers and says, per record, what happened. Records arrive as schema v1 bytes
/// and are sent unchanged.
/// </summary>
public interface IUplink : IAsyncDisposable
{
    /// <summary>The journal cursor name: stable across restarts (renaming it re-sends the backlog).</summary>
    string Name { get; }

    /// <summary>What the far side takes in one request; the worker never sends more.</summary>
    UplinkLimits Limits { get; }

    /// <summary>
    /// Bytes <paramref name="record"/> counts for on the wire against <see cref="UplinkLimits"/>
    /// (for Kinesis: data plus partition key). A record over <see cref="UplinkLimits.MaxRecordBytes"/>
    /// is quarantined and never sent.
    /// </summary>
    long WireBytes(JournalRecord record);

    /// <summary>
    /// Opens what it needs and checks the far side once (a missing stream, denied access: logged
    /// as an error the technician can act on). Must not throw for network or far-side problems;
    /// the worker's retries deal with those. Called before the gateway reports ready.
    /// </summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Sends the batch once (an uplink may retry short transient faults inside, see
    /// <c>Http/UplinkHttp</c>). Returns which records the far side did not take and why; every
    /// record not named there is durably with the far side. Throws
    /// <see cref="UplinkException"/> when the request as a whole failed (any other exception
    /// counts as <see cref="UplinkFailure.Transient"/>); then nothing of the batch counts as
    /// delivered and it is sent again later (ids make a repeat harmless).
    /// </summary>
    Task<SendResult> SendAsync(IReadOnlyList<JournalRecord> batch, CancellationToken cancellationToken);

    /// <summary>Called about once a second while idle, e.g. to close an hour's file.</summary>
    Task TickAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Limits of one uplink, counted in <see cref="IUplink.WireBytes"/>. <see cref="BatchInterval"/>
/// is how long the worker may hold records to fill a batch (zero: send at every group commit).
/// </summary>
public sealed record UplinkLimits(int MaxBatchRecords, long MaxBatchBytes, long MaxRecordBytes, TimeSpan BatchInterval)
{
    public UplinkLimits Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBatchRecords);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxRecordBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchBytes, MaxRecordBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchInterval, TimeSpan.Zero);
        return this;
    }
}
