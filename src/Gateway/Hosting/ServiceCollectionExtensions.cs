using FarmGateway.Configuration;
using FarmGateway.Journal;
using FarmGateway.Readings;
using FarmGateway.Sources;
using FarmGateway.Status;
using FarmGateway.Storage;
using FarmGateway.Uplinks;
using FarmGateway.Uplinks.ApiGateway;
using FarmGateway.Uplinks.Aws;
using FarmGateway.Uplinks.File;
using FarmGateway.Uplinks.IotCore;
using FarmGateway.Uplinks.Kinesis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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

    /// <summary>
    /// The journal starts first and stops last: it is open before the first reading and takes
    /// the last ones after the sources stopped.
    /// </summary>
    public static IServiceCollection AddJournal(this IServiceCollection services)
    {
        services.AddSingleton<AppendFileOpener>(AppendFile.Open);
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
            return DiskJournal.Open(Path.Combine(options.DataDirectory!, "journal"), options.Journal,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<AppendFileOpener>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<DiskJournal>());
        });
        services.AddSingleton<JournalService>();
        services.AddHostedService(sp => sp.GetRequiredService<JournalService>());
        services.AddSingleton<UplinkStatuses>();
        services.AddSingleton<GatewayStatus>();
        return services;
    }

    /// <summary>Uplinks start after the journal and stop before it, delivering what it holds on the way out.</summary>
    public static IServiceCollection AddUplinks(this IServiceCollection services, GatewayOptions options)
    {
        var uplinks = options.Uplinks;
        if (uplinks.File.Enabled) AddUplink<FileUplink>(services);
        if (uplinks.Kinesis.Enabled)
            AddUplink(services, sp => new KinesisUplink(uplinks.Kinesis, options.Id!, CloudTransport(),
                new AwsCredentialSource(uplinks.Kinesis.Profile), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<KinesisUplink>>()));
        if (uplinks.ApiGateway.Enabled)
            AddUplink(services, sp => new ApiGatewayUplink(uplinks.ApiGateway, CloudTransport(),
                uplinks.ApiGateway.Auth == ApiGatewayAuth.Iam ? new AwsCredentialSource(uplinks.ApiGateway.Profile) : null,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ApiGatewayUplink>>()));
        if (uplinks.IotCore.Enabled)
            AddUplink(services, sp => new IotCoreUplink(uplinks.IotCore, options.Id!,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<IotCoreUplink>>()));
        return services;
    }

    /// <summary>
    /// One connection pool per cloud uplink. TLS certificates are verified (the default, never
    /// turned off); connections are renewed every few minutes so DNS changes are followed; no
    /// redirects (a redirected POST would lose its body).
    /// </summary>
    private static SocketsHttpHandler CloudTransport() => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        AllowAutoRedirect = false,
        UseCookies = false,
    };

    private static void AddUplink<TUplink>(IServiceCollection services, Func<IServiceProvider, TUplink>? create = null) where TUplink : class, IUplink
    {
        if (create is null) services.AddSingleton<TUplink>();
        else services.AddSingleton(create);
        services.AddSingleton<IUplink>(sp => sp.GetRequiredService<TUplink>());
        // Not AddHostedService: it adds an implementation type only once (TryAddEnumerable), so
        // every uplink after the first would silently get no worker.
        services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<UplinkWorker>(sp, (IUplink)sp.GetRequiredService<TUplink>()));
    }

    public static IServiceCollection AddSources(this IServiceCollection services)
    {
        services.AddSingleton<IClockState, KernelClockState>();
        services.AddSingleton<ISensorFactory, SensorFactory>();
        services.AddSingleton<SensorHealthRegistry>();
        services.AddSingleton<LatestReadings>();
        services.AddHostedService<SourcesService>();
        return services;
    }

    /// <summary>Added last: its "started" hook fires after every other service started.</summary>
    /// <summary>The barn broker connection and what uses it; nothing at all when MQTT is off.</summary>
    public static IServiceCollection AddMqtt(this IServiceCollection services, GatewayOptions options)
    {
        if (!options.Mqtt.Enabled) return services;
        services.AddSingleton<Mqtt.BarnBroker>();
        if (options.Mqtt.Publish.Enabled) services.AddSingleton<IHostedService, Mqtt.Publishing.LivePublisher>();
        if (options.Mqtt.Ingest.Count > 0)
        {
            services.AddSingleton<Mqtt.Ingest.DurableCommit>();
            services.AddSingleton<IHostedService, Mqtt.Ingest.MqttIngestService>();
        }
        // After its users, so they have registered their handlers when it connects.
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<Mqtt.BarnBroker>());
        return services;
    }

    public static IServiceCollection AddSystemdNotify(this IServiceCollection services)
    {
        services.AddSingleton<ISystemdNotifier>(_ => SystemdNotifier.FromEnvironment());
        services.AddSingleton(SystemdWatchdog.FromEnvironment());
        services.AddHostedService<SystemdNotifyService>();
        return services;
    }
}
