using FarmGateway.Hosting;
using Serilog.Events;
using Serilog.Parsing;

namespace FarmGateway.Tests.Hosting;

public sealed class JournaldFormatterTests
{
    private static string Format(bool underJournald, LogEventLevel level, Exception? exception = null)
    {
        var template = new MessageTemplateParser().Parse("Outbox {Directory} failed {Count} times");
        var logEvent = new LogEvent(DateTimeOffset.UnixEpoch, level, exception, template,
        [
            new LogEventProperty("Directory", new ScalarValue("/var/lib/farm-gateway/outbox")),
            new LogEventProperty("Count", new ScalarValue(3)),
            new LogEventProperty("SourceContext", new ScalarValue("FarmGateway.Uplinks.File.FileUplink")),
        ]);
        var output = new StringWriter();
        new JournaldFormatter(underJournald).Format(logEvent, output);
        return output.ToString();
    }

    [Fact]
    public void Format_UnderJournald_StartsWithSyslogPriorityAndHasNoTimestamp()
    {
        Assert.Equal("<4>[WRN] FileUplink: Outbox /var/lib/farm-gateway/outbox failed 3 times\n",
            Format(underJournald: true, LogEventLevel.Warning));
    }

    [Fact]
    public void Format_InATerminal_StartsWithTheTimestamp()
    {
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[INF\] FileUplink: Outbox /var", Format(false, LogEventLevel.Information));
    }

    [Fact]
    public void Format_WithMultilineException_StaysOneLine()
    {
        Exception exception;
        try
        {
            throw new IOException("disk\nfull");
        }
        catch (IOException e)
        {
            exception = e;
        }

        var line = Format(true, LogEventLevel.Error, exception);

        Assert.StartsWith("<3>[ERR] ", line);
        Assert.Equal(1, line.Count(c => c == '\n'));
        Assert.Contains("System.IO.IOException: disk", line);
        Assert.Contains("at FarmGateway.Tests.Hosting.JournaldFormatterTests", line);
    }

    [Fact]
    public void Format_NoAnsiEscapes()
    {
        Assert.DoesNotContain('\u001b', Format(false, LogEventLevel.Error));
    }
}
