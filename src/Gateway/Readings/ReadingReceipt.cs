namespace FarmGateway.Readings;

/// <summary>
/// Tells whoever handed a reading over which journal sequence it got, so it can wait until that
/// record is durable before it acknowledges anything (the MQTT ingest sends PUBACK only then).
/// Sensors do not need one; a reading without a receipt is fire and forget.
/// </summary>
public sealed class ReadingReceipt
{
    private readonly TaskCompletionSource<long> _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The sequence the journal gave the reading; faulted when the journal could not take it.</summary>
    public Task<long> Appended => _appended.Task;

    internal void SetAppended(long sequence) => _appended.TrySetResult(sequence);

    internal void Fail(string reason) => _appended.TrySetException(new IOException(reason));
}
