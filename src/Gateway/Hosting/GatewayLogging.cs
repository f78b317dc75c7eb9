using Microsoft.Extensions.Configuration;
using Serilog;

namespace FarmGateway.Hosting;

/// <summary>
/// Serilog from the <c>Serilog</c> section (levels, overrides, extra sinks such as a rolling
/// file), plus the console sink in code: one line per event, no colours, journald priorities.
/// </summary>
public static class GatewayLogging
{
    public static Serilog.Core.Logger Create(IConfiguration configuration) =>
        new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", Serilog.Events.LogEventLevel.Information)
            .ReadFrom.Configuration(configuration)
            .WriteTo.Console(JournaldFormatter.FromEnvironment())
            .CreateLogger();
}
