namespace FarmGateway.Uplinks;

/// <summary>
/// The outcome of one request that the far side answered: the records it did not take. Every
/// record of the batch not listed in <see cref="Failures"/> was delivered.
/// </summary>
public sealed class SendResult
{
    public static readonly SendResult AllDelivered = new([]);

    public SendResult(IReadOnlyList<RecordFailure> failures) => Failures = failures;

    /// <summary>Failed records by their index in the batch, in batch order.</summary>
    public IReadOnlyList<RecordFailure> Failures { get; }

    public bool Complete => Failures.Count == 0;
}

/// <param name="Index">Position of the record in the batch that was sent.</param>
/// <param name="Reason">What the far side said, e.g. "ProvisionedThroughputExceededException: Rate exceeded for shard ...".</param>
public readonly record struct RecordFailure(int Index, RecordFailureKind Kind, string Reason);

public enum RecordFailureKind
{
    /// <summary>The far side had a transient fault for this record (e.g. Kinesis InternalFailure): resend it alone.</summary>
    Retry,

    /// <summary>The far side is over its rate (e.g. a shard's ProvisionedThroughputExceededException): resend it, slower.</summary>
    Throttled,

    /// <summary>The far side calls this record invalid: never resend as-is; it is quarantined with the reason.</summary>
    Rejected,
}
