namespace FarmGateway.Journal;

/// <summary>
/// One durable record as read from a cursor. <see cref="Epoch"/> is the epoch of the segment it
/// was written in, so <c>RecordId(Epoch, Sequence)</c> is its stable id even after the journal
/// moved to a new epoch.
/// </summary>
public sealed record JournalRecord(string Epoch, long Sequence, ReadOnlyMemory<byte> Payload);
