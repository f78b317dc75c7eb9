using Microsoft.Extensions.Logging;

namespace FarmGateway.Hosting;

/// <summary>Hosting log events, ids 1000-1099.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(1000, LogLevel.Information, "Gateway {GatewayId} ready: {Sensors} sensor(s) running, watchdog period {WatchdogSeconds}s (0 = off)")]
    public static partial void Ready(ILogger logger, string gatewayId, int sensors, double watchdogSeconds);

    [LoggerMessage(1001, LogLevel.Warning, "Configuration: {Problem}")]
    public static partial void ConfigWarning(ILogger logger, string problem);

    [LoggerMessage(1002, LogLevel.Error, "The {Loop} loop has not made progress in time; withholding the systemd watchdog so the service is restarted")]
    public static partial void LoopStuck(ILogger logger, string loop);

    [LoggerMessage(1003, LogLevel.Information, "The {Loop} loop is making progress again")]
    public static partial void LoopRecovered(ILogger logger, string loop);

    [LoggerMessage(1004, LogLevel.Critical, "Service {Service} failed; the gateway stops with exit code 70 so systemd restarts it")]
    public static partial void ServiceFailed(ILogger logger, string service, Exception exception);

    [LoggerMessage(1005, LogLevel.Information, "Gateway stopped cleanly: {Summary}")]
    public static partial void Stopped(ILogger logger, string summary);

    [LoggerMessage(1006, LogLevel.Information, "Gateway {GatewayId} starting: data in {DataDirectory}, configuration from {Files} and the environment")]
    public static partial void Starting(ILogger logger, string gatewayId, string dataDirectory, string files);
}
