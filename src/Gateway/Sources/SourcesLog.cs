using Microsoft.Extensions.Logging;

namespace FarmGateway.Sources;

/// <summary>Source log events, ids 2000-2099.</summary>
internal static partial class SourcesLog
{
    [LoggerMessage(2000, LogLevel.Information, "Sensor {Sensor} ({Model}) reading every {Interval}")]
    public static partial void SensorStarted(ILogger logger, string sensor, string model, TimeSpan interval);

    [LoggerMessage(2001, LogLevel.Debug, "Sensor {Sensor} read failed: {Error} ({Suppressed} similar failures not logged)")]
    public static partial void ReadFailed(ILogger logger, string sensor, string error, int suppressed);

    [LoggerMessage(2002, LogLevel.Warning, "Sensor {Sensor} threw unexpectedly; it keeps being polled ({Suppressed} similar failures not logged)")]
    public static partial void ReadThrew(ILogger logger, string sensor, int suppressed, Exception exception);

    [LoggerMessage(2003, LogLevel.Warning, "Sensor {Sensor}: reading refused because the queue is full ({Suppressed} more not logged); the store is not keeping up")]
    public static partial void QueueFull(ILogger logger, string sensor, int suppressed);

    [LoggerMessage(2005, LogLevel.Warning, "Sensor {Sensor}: reading rejected, {Problem} ({Suppressed} more not logged)")]
    public static partial void Implausible(ILogger logger, string sensor, string problem, int suppressed);

    [LoggerMessage(2006, LogLevel.Error, "Sensor {Sensor} ({Model}) failed after {Failures} failed read(s) in a row: {Error}")]
    public static partial void SensorFailed(ILogger logger, string sensor, string model, int failures, string error);

    [LoggerMessage(2007, LogLevel.Information, "Sensor {Sensor} ({Model}) is reading again after {Failures} failed read(s)")]
    public static partial void SensorRecovered(ILogger logger, string sensor, string model, int failures);

    [LoggerMessage(2008, LogLevel.Error, "Sensor {Sensor} ({Type}) cannot be set up and is not read: {Problem}")]
    public static partial void SensorNotCreated(ILogger logger, string sensor, string type, string problem);

    [LoggerMessage(2004, LogLevel.Warning, "No sensor is enabled: the gateway runs but produces no readings")]
    public static partial void NoSensors(ILogger logger);
}
