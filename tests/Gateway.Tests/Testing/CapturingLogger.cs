using Microsoft.Extensions.Logging;

namespace FarmGateway.Tests.Testing;

/// <summary>A logger that keeps every event (level, id, formatted message) for assertions.</summary>
public sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly Lock _gate = new();
    private readonly List<(LogLevel Level, EventId Id, string Message)> _events = [];

    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Events
    {
        get { lock (_gate) return [.. _events]; }
    }

    public IEnumerable<string> Messages(int eventId) => Events.Where(e => e.Id.Id == eventId).Select(e => e.Message);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_gate) _events.Add((logLevel, eventId, formatter(state, exception)));
    }
}
