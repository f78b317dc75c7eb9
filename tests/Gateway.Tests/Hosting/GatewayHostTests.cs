using FarmGateway.Configuration;
using FarmGateway.Hosting;
using FarmGateway.Tests.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FarmGateway.Tests.Hosting;

[Collection(EnvironmentCollection.Name)] // GatewayConfiguration.Load reads the environment
public sealed class GatewayHostTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private ConfigLoadResult Load()
    {
        var load = GatewayConfiguration.Load([$"--Gateway:DataDirectory={_dir.Path}", "--Gateway:Id=barn-1"]);
        Assert.Empty(load.Errors);
        return load;
    }

    [Fact]
    public async Task RunBuiltAsync_ABackgroundServiceFails_StopsTheGatewayWithExitCode70()
    {
        using var host = GatewayHost.Build(Load(), services => services.AddHostedService<FailingService>());

        var exitCode = await GatewayHost.RunBuiltAsync(host).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ExitCodes.ServiceFailed, exitCode);
    }

    [Fact]
    public async Task RunBuiltAsync_StoppedByTheHost_ReturnsZero()
    {
        using var host = GatewayHost.Build(Load());
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(() => lifetime.StopApplication());

        var exitCode = await GatewayHost.RunBuiltAsync(host).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ExitCodes.Ok, exitCode);
    }

    private sealed class FailingService : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            throw new InvalidOperationException("simulated failure");
        }
    }
}
