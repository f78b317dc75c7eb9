namespace FarmGateway.Testing;

/// <summary>Waits on a condition with a timeout instead of sleeping for a guessed time.</summary>
public static class Eventually
{
    public static Task True(Func<bool> condition, string what, TimeSpan? timeout = null, Func<string>? context = null) =>
        True(() => Task.FromResult(condition()), what, timeout, context);

    /// <summary>For a condition that has to ask something outside (a broker, a process) to answer.</summary>
    public static async Task True(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, Func<string>? context = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting for: {what}\n{context?.Invoke()}");
            await Task.Delay(20);
        }
    }
}
