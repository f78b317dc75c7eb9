using FarmGateway.Configuration;
using FarmGateway.Status;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serilog.Extensions.Logging;

namespace FarmGateway.Hosting;

/// <summary>
/// Start-up in the order that keeps a technician's mistakes cheap: load and validate the
/// configuration (no I/O), check the data folders, then build and run the host. A
/// configuration problem exits 78 with one line per problem; a failed service exits 70.
/// </summary>
public static class GatewayHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        var load = GatewayConfiguration.Load(args);
        if (load.Errors.Count > 0) return ConfigurationFailed(load.Errors);
        var folderProblems = DataDirectoryCheck.Run(load.Options!);
        if (folderProblems.Count > 0) return ConfigurationFailed(folderProblems);

        Serilog.Core.Logger serilog;
        try
        {
            serilog = GatewayLogging.Create(load.Configuration);
        }
        catch (Exception e)
        {
            // A misspelt level, sink or "Using" assembly in the Serilog section lands here.
            return ConfigurationFailed([new("Serilog", null, $"cannot be applied: {e.GetBaseException().Message}")]);
        }
        var host = Build(load, serilog);
        using (host)
        {
            return await RunBuiltAsync(host);
        }
    }

    /// <summary>Builds the host from a loaded configuration; tests add or replace services through <paramref name="configure"/>.</summary>
    public static IHost Build(ConfigLoadResult load, Action<IServiceCollection>? configure = null) =>
        Build(load, GatewayLogging.Create(load.Configuration), configure);

    private static IHost Build(ConfigLoadResult load, Serilog.Core.Logger serilog, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            Configuration = (Microsoft.Extensions.Configuration.ConfigurationManager)load.Configuration,
        });
        // Serilog alone decides levels (Serilog:MinimumLevel); the builder's own filter would
        // otherwise drop Debug before Serilog sees it.
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(new SerilogLoggerProvider(serilog, dispose: true));
        builder.Services
            .AddGatewayCore(load.Configuration)
            .AddJournal()
            .AddUplinks(load.Options!)
            .AddSources()
            .AddMqtt(load.Options!)
            .AddSystemdNotify();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        configure?.Invoke(builder.Services);
        var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayHost));
        var options = host.Services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        HostingLog.Starting(logger, options.Id!, options.DataDirectory!, string.Join(", ", load.Files));
        foreach (var warning in load.Warnings) HostingLog.ConfigWarning(logger, warning.ToString());
        return host;
    }

    /// <summary>Runs until stopped; returns the exit code.</summary>
    public static async Task<int> RunBuiltAsync(IHost host, CancellationToken cancellationToken = default)
    {
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayHost));
        var options = host.Services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        try
        {
            // Not RunAsync: it disposes the host, and the exit code still needs its services.
            await host.StartAsync(cancellationToken);
            await host.WaitForShutdownAsync(cancellationToken);
        }
        catch (OptionsValidationException e)
        {
            return ConfigurationFailed(e.Failures.Select(f => new ConfigProblem("Gateway", null, f)).ToList());
        }
        catch (Exception e)
        {
            HostingLog.ServiceFailed(logger, "host", e);
            return ExitCodes.ServiceFailed;
        }
        var failed = host.Services.GetServices<IHostedService>().OfType<BackgroundService>()
            .FirstOrDefault(s => s.ExecuteTask is { IsFaulted: true });
        if (failed is not null)
        {
            HostingLog.ServiceFailed(logger, failed.GetType().Name, failed.ExecuteTask!.Exception!.InnerException!);
            return ExitCodes.ServiceFailed;
        }
        HostingLog.Stopped(logger, host.Services.GetRequiredService<GatewayStatus>().Summary());
        return ExitCodes.Ok;
    }

    internal static int ConfigurationFailed(IReadOnlyList<ConfigProblem> problems)
    {
        var prefix = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM")) ? "" : "<3>";
        foreach (var problem in problems)
            Console.Error.WriteLine($"{prefix}configuration error: {problem}");
        Console.Error.WriteLine($"{prefix}farm-gateway did not start: {problems.Count} configuration problem(s), exit code {ExitCodes.ConfigInvalid}. Fix the keys above in appsettings.json, /etc/farm-gateway/appsettings.json or the environment.");
        return ExitCodes.ConfigInvalid;
    }
}
