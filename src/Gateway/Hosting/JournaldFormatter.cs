using Serilog.Events;
using Serilog.Formatting;
using Serilog.Parsing;

namespace FarmGateway.Hosting;

/// <summary>
/// One event per line, no colours, no ANSI: what journald and grep want. Under systemd
/// ($JOURNAL_STREAM set) each line starts with a syslog priority prefix like "&lt;4&gt;", so
/// `journalctl -p warning` works and journald adds the timestamp; in a terminal the line starts
/// with a timestamp instead. Exceptions are folded onto the same line.
/// </summary>
public sealed class JournaldFormatter(bool underJournald) : ITextFormatter
{
    public static JournaldFormatter FromEnvironment() =>
        new(!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM")));

    public void Format(LogEvent logEvent, TextWriter output)
    {
        if (underJournald)
            output.Write($"<{Priority(logEvent.Level)}>");
        else
            output.Write(logEvent.Timestamp.ToString("yyyy-MM-dd HH:mm:ss.fff ", System.Globalization.CultureInfo.InvariantCulture));
        output.Write('[');
        output.Write(Abbreviation(logEvent.Level));
        output.Write("] ");
        if (logEvent.Properties.TryGetValue("SourceContext", out var source) && source is ScalarValue { Value: string name })
        {
            output.Write(name[(name.LastIndexOf('.') + 1)..]);
            output.Write(": ");
        }
        output.Write(OneLine(RenderMessage(logEvent)));
        if (logEvent.Exception is { } e)
        {
            output.Write(" | ");
            output.Write(OneLine(e.ToString()));
        }
        output.Write('\n');
    }

    // Like LogEvent.RenderMessage, but strings unquoted: paths and names read as typed.
    private static string RenderMessage(LogEvent logEvent)
    {
        var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var token in logEvent.MessageTemplate.Tokens)
        {
            if (token is PropertyToken property && logEvent.Properties.TryGetValue(property.PropertyName, out var value)
                && value is ScalarValue { Value: string raw })
                text.Write(raw);
            else
                token.Render(logEvent.Properties, text, System.Globalization.CultureInfo.InvariantCulture);
        }
        return text.ToString();
    }

    private static string OneLine(string text) =>
        text.Contains('\n') ? text.Replace("\r", "").Replace("\n", " \u23CE ") : text;

    // syslog priorities: 2 crit, 3 err, 4 warning, 6 info, 7 debug.
    private static int Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => 2,
        LogEventLevel.Error => 3,
        LogEventLevel.Warning => 4,
        LogEventLevel.Information => 6,
        _ => 7,
    };

    private static string Abbreviation(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => "FTL",
        LogEventLevel.Error => "ERR",
        LogEventLevel.Warning => "WRN",
        LogEventLevel.Information => "INF",
        LogEventLevel.Debug => "DBG",
        _ => "VRB",
    };
}
