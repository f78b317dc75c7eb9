using Microsoft.Extensions.Logging;

namespace FarmGateway.Tests.Testing;

/// <summary>
/// A logger that keeps every event for assertions: the formatted message, every structured value and the
/// exception text, since a secret could leak through any of them.
/// </summary>
public sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly Lock _gate = new();
    private readonly List<(LogLevel Level, EventId Id, string Message)> _events = [];
    private readonly List<string> _everything = [];

    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Events
    {
        get { lock (_gate) return [.. _events]; }
    }

    public IEnumerable<string> Messages(int eventId) => Events.Where(e => e.Id.Id == eventId).Select(e => e.Message);

    /// <summary>Messages, structured values and exceptions of every event, as one text.</summary>
    public string AllText
    {
        get { lock (_gate) return string.Join('\n', _everything); }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var message = formatter(state, exception);
        lock (_gate)
        {
            _events.Add((logLevel, eventId, message));
            _everything.Add(message);
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
                _everything.AddRange(values.Select(v => $"{v.Key}={v.Value}"));
            if (exception is not null) _everything.Add(exception.ToString());
        }
    }
}
