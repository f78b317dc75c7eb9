namespace FarmGateway.Journal;

/// <summary>Tasks waiting for a sequence to become durable; completed by the journal after each fsync. Not thread-safe: the journal's lock guards it.</summary>
internal sealed class DurabilityWaiters
{
    private readonly List<(long Sequence, TaskCompletionSource Source)> _waiting = [];

    public Task Add(long sequence, CancellationToken cancellationToken)
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting.Add((sequence, source));
        if (cancellationToken.CanBeCanceled)
            cancellationToken.Register(() => source.TrySetCanceled(cancellationToken));
        return source.Task;
    }

    public void CompleteUpTo(long durable)
    {
        _waiting.RemoveAll(w =>
        {
            if (w.Sequence <= durable) w.Source.TrySetResult();
            return w.Source.Task.IsCompleted;
        });
    }

    public void FailAll(Exception error)
    {
        foreach (var (_, source) in _waiting) source.TrySetException(error);
        _waiting.Clear();
    }
}
