using FarmGateway.Configuration;
using FarmGateway.Drivers.Simulated;
using FarmGateway.Sources;
using FarmGateway.Tests.Testing;

namespace FarmGateway.Tests.Configuration;

[Collection(EnvironmentCollection.Name)]
public sealed class GatewayOptionsDefaultsTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly EnvironmentVariable _noStateDirectory = EnvironmentVariable.Set("STATE_DIRECTORY", null);

    public void Dispose()
    {
        _noStateDirectory.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public void Apply_EmptyId_UsesTheHostName()
    {
        var options = ConfigLoad.Valid(ConfigLoad.Run(_temp));

        Assert.Equal(Environment.MachineName, options.Id);
    }

    [Fact]
    public void Apply_IdWithSurroundingSpaces_IsTrimmed()
    {
        var options = ConfigLoad.Valid(ConfigLoad.Run(_temp, "--Gateway:Id= barn-2 "));

        Assert.Equal("barn-2", options.Id);
    }

    [Fact]
    public void Apply_EmptySiteAndLocation_AreAbsent()
    {
        var options = ConfigLoad.Valid(ConfigLoad.Run(_temp, "--Gateway:Location=   "));

        Assert.Null(options.Site);
        Assert.Null(options.Location);
    }

    [Fact]
    public void Apply_EmptyDataDirectoryAndNoStateDirectory_IsDataBelowTheWorkingDirectory()
    {
        var options = ConfigLoad.Valid(ConfigLoad.Run(_temp));

        Assert.True(Path.IsPathFullyQualified(options.DataDirectory!));
        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), GatewayOptionsDefaults.DefaultDataDirectory), options.DataDirectory);
    }

    [Fact]
    public void Apply_RelativeDataDirectory_BecomesAbsolute()
    {
        var options = ConfigLoad.Valid(ConfigLoad.Run(_temp, "--Gateway:DataDirectory=state/gw"));

        Assert.True(Path.IsPathFullyQualified(options.DataDirectory!));
        Assert.Equal(Path.GetFullPath("state/gw"), options.DataDirectory);
    }

    [Fact]
    public void Apply_StateDirectoryWithSeveralPaths_UsesTheFirst()
    {
        using var state = EnvironmentVariable.Set("STATE_DIRECTORY", "/var/lib/farm-gateway:/var/lib/other");

        var options = ConfigLoad.Valid(ConfigLoad.Run(_temp));

        Assert.Equal("/var/lib/farm-gateway", options.DataDirectory);
    }

    [Fact]
    public void Apply_DataDirectorySetAndStateDirectorySet_DataDirectoryWins()
    {
        using var state = EnvironmentVariable.Set("STATE_DIRECTORY", "/var/lib/farm-gateway");

        var options = ConfigLoad.Valid(ConfigLoad.Run(_temp, $"--Gateway:DataDirectory={_temp.Path}"));

        Assert.Equal(_temp.Path, options.DataDirectory);
    }

    [Fact]
    public void Apply_EmptyOutboxDirectory_IsOutboxBelowDataDirectory()
    {
        var options = ConfigLoad.Valid(ConfigLoad.Run(_temp, $"--Gateway:DataDirectory={_temp.Path}"));

        Assert.Equal(Path.Combine(_temp.Path, "outbox"), options.Uplinks.File.Directory);
    }

    [Fact]
    public void Apply_RelativeOutboxDirectory_IsBelowDataDirectory()
    {
        var options = ConfigLoad.Valid(ConfigLoad.Run(_temp,
            $"--Gateway:DataDirectory={_temp.Path}", "--Gateway:Uplinks:File:Directory=spool"));

        Assert.Equal(Path.Combine(_temp.Path, "spool"), options.Uplinks.File.Directory);
    }

    [Fact]
    public void Apply_AbsoluteOutboxDirectory_IsKept()
    {
        var outbox = Path.Combine(_temp.Path, "elsewhere");

        var options = ConfigLoad.Valid(ConfigLoad.Run(_temp, $"--Gateway:Uplinks:File:Directory={outbox}"));

        Assert.Equal(outbox, options.Uplinks.File.Directory);
    }

    [Fact]
    public void Apply_SensorWithoutIntervalProfileOrSeed_GetsTheDocumentedDefaults()
    {
        var options = ConfigLoad.Valid(ConfigLoad.Run(_temp,
            "--Gateway:Sensors:2:Name=barn-1", "--Gateway:Sensors:2:Type=Simulated"));

        var sensor = options.Sensors[2];
        Assert.Equal(SensorOptions.DefaultInterval, sensor.Interval);
        Assert.Equal(SimulatedProfile.Dht22, sensor.Profile);
        Assert.True(sensor.Enabled);
        Assert.NotNull(sensor.Seed);
    }

    [Fact]
    public void Apply_SameSensorName_GivesTheSameSeedEveryLoad()
    {
        var first = ConfigLoad.Valid(ConfigLoad.Run(_temp));
        var second = ConfigLoad.Valid(ConfigLoad.Run(_temp));

        Assert.Equal(first.Sensors[0].Seed, second.Sensors[0].Seed);
        Assert.NotEqual(first.Sensors[0].Seed, first.Sensors[1].Seed);
        Assert.InRange(first.Sensors[0].Seed!.Value, 0, int.MaxValue);
    }

    [Fact]
    public void Apply_ExplicitSeed_IsKept()
    {
        var options = ConfigLoad.Valid(ConfigLoad.Run(_temp, "--Gateway:Sensors:0:Seed=42"));

        Assert.Equal(42, options.Sensors[0].Seed);
    }
}
