using FarmGateway.Configuration;
using FarmGateway.Sources;

namespace FarmGateway.Tests.Testing;

/// <summary>Valid gateway options for tests, defaults applied as at start-up.</summary>
public static class TestOptions
{
    public static GatewayOptions Gateway(string dataDirectory, Action<GatewayOptions>? change = null)
    {
        var options = new GatewayOptions
        {
            Id = "barn-1",
            Site = "farm-a",
            DataDirectory = dataDirectory,
            Sensors = [new SensorOptions { Name = "sim-1", Type = SensorType.Simulated, Interval = TimeSpan.FromSeconds(1) }],
        };
        change?.Invoke(options);
        GatewayOptionsDefaults.Apply(options);
        Assert.Empty(GatewayOptionsValidator.Check(options));
        return options;
    }
}
