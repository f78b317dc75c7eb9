using FarmGateway.Configuration;
using FarmGateway.Readings;
using FarmGateway.Sources;
using FarmGateway.Status;
using FarmGateway.Storage;
using FarmGateway.Uplinks.File;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FarmGateway.Hosting;

/// <summary>One registration method per area. Hosted services start in the order added and stop in reverse.</summary>
public static class ServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayCore(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        services.AddOptions<GatewayOptions>()
            .Bind(configuration.GetSection(GatewayOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<GatewayOptions>, GatewayOptionsDefaults>();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<GatewayCounters>();
        services.AddSingleton<ReadingQueue>();
        services.AddSingleton<LoopHealth>();
        return services;
    }

    /// <summary>The outbox starts before the sources, so the first reading has somewhere to go, and stops after them, so the last one is written.</summary>
    public static IServiceCollection AddFileUplink(this IServiceCollection services)
    {
        services.AddSingleton<AppendFileOpener>(AppendFile.Open);
        services.AddHostedService<FileUplinkService>();
        return services;
    }

    public static IServiceCollection AddSources(this IServiceCollection services)
    {
        services.AddSingleton<IClockState, KernelClockState>();
        services.AddSingleton<ISensorFactory, SensorFactory>();
        services.AddHostedService<SourcesService>();
        return services;
    }

    /// <summary>Added last: its "started" hook fires after every other service started.</summary>
    public static IServiceCollection AddSystemdNotify(this IServiceCollection services)
    {
        services.AddSingleton<ISystemdNotifier>(_ => SystemdNotifier.FromEnvironment());
        services.AddSingleton(SystemdWatchdog.FromEnvironment());
        services.AddHostedService<SystemdNotifyService>();
        return services;
    }
}
