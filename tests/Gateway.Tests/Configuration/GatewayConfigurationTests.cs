using FarmGateway.Configuration;
using FarmGateway.Drivers.Simulated;
using FarmGateway.Sources;
using FarmGateway.Tests.Testing;

namespace FarmGateway.Tests.Configuration;

[Collection(EnvironmentCollection.Name)]
public sealed class GatewayConfigurationTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Load_EmbeddedDefaultOnly_NoErrorsAndNoWarnings()
    {
        var result = ConfigLoad.Run(_temp);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        Assert.NotNull(result.Options);
    }

    [Fact]
    public void Load_EmbeddedDefaultOnly_ReadsTheTwoSimulatedSensors()
    {
        var options = ConfigLoad.Valid(ConfigLoad.Run(_temp));

        Assert.Collection(options.Sensors,
            s =>
            {
                Assert.Equal("sim-climate", s.Name);
                Assert.Equal(SensorType.Simulated, s.Type);
                Assert.Equal(SimulatedProfile.Dht22, s.Profile);
                Assert.Equal(TimeSpan.FromSeconds(2), s.Interval);
                Assert.True(s.Enabled);
            },
            s =>
            {
                Assert.Equal("sim-co2", s.Name);
                Assert.Equal(SimulatedProfile.Scd30, s.Profile);
                Assert.Equal(TimeSpan.FromSeconds(5), s.Interval);
            });
        Assert.True(options.Uplinks.File.Enabled);
        Assert.Equal(16 * 1024 * 1024, options.Uplinks.File.MaxFileBytes);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Journal.FlushInterval);
    }

    [Fact]
    public void Load_CommandLineArgument_OverridesEmbeddedDefault()
    {
        var options = ConfigLoad.Valid(ConfigLoad.Run(_temp, "--Gateway:Sensors:0:Interval=00:00:30", "--Gateway:Id=barn-2"));

        Assert.Equal(TimeSpan.FromSeconds(30), options.Sensors[0].Interval);
        Assert.Equal("barn-2", options.Id);
        Assert.Equal("sim-climate", options.Sensors[0].Name);
    }

    [Fact]
    public void Load_CommandLineWithSpaceSeparatedConfig_ReadsThatFile()
    {
        var file = _temp.WriteFile("site.json", """{ "Gateway": { "Site": "farm-a" } }""");

        var options = ConfigLoad.Valid(GatewayConfiguration.Load(["--config", file]));

        Assert.Equal("farm-a", options.Site);
    }

    [Fact]
    public void Load_MachineFileAndCommandLine_CommandLineBeatsMachineFileBeatsDefault()
    {
        const string machine = """{ "Gateway": { "Site": "from-file", "Location": "file-barn" } }""";

        var fileOnly = ConfigLoad.Valid(ConfigLoad.RunWithMachineFile(_temp, machine));
        var both = ConfigLoad.Valid(ConfigLoad.RunWithMachineFile(_temp, machine, "--Gateway:Site=from-args"));

        Assert.Equal("from-file", fileOnly.Site);
        Assert.Equal("from-args", both.Site);
        Assert.Equal("file-barn", both.Location);
        // Keys the machine file does not mention keep the embedded default.
        Assert.Equal("sim-co2", both.Sensors[1].Name);
    }

    [Fact]
    public void Load_EnvironmentVariable_BeatsMachineFileAndLosesToCommandLine()
    {
        const string machine = """{ "Gateway": { "Site": "from-file", "Location": "from-file" } }""";
        using var site = EnvironmentVariable.Set("Gateway__Site", "from-env");
        using var location = EnvironmentVariable.Set("Gateway__Location", "from-env");

        var options = ConfigLoad.Valid(ConfigLoad.RunWithMachineFile(_temp, machine, "--Gateway:Location=from-args"));

        Assert.Equal("from-env", options.Site);
        Assert.Equal("from-args", options.Location);
    }

    [Fact]
    public void Load_EnvironmentVariableWithDoubleUnderscores_OverridesSensorKey()
    {
        using var interval = EnvironmentVariable.Set("Gateway__Sensors__0__Interval", "00:00:30");

        var options = ConfigLoad.Valid(ConfigLoad.Run(_temp));

        Assert.Equal(TimeSpan.FromSeconds(30), options.Sensors[0].Interval);
    }

    [Fact]
    public void Load_ConfigFileVariableSet_ReadsThatFile()
    {
        var file = _temp.WriteFile("env.json", """{ "Gateway": { "Site": "farm-env" } }""");
        using var variable = EnvironmentVariable.Set(GatewayConfiguration.ConfigFileVariable, file);

        var options = ConfigLoad.Valid(GatewayConfiguration.Load([]));

        Assert.Equal("farm-env", options.Site);
    }

    [Fact]
    public void Load_ConfigFileVariableAndConfigArgument_ArgumentWins()
    {
        var fromVariable = _temp.WriteFile("env.json", """{ "Gateway": { "Site": "farm-env" } }""");
        var fromArgument = _temp.WriteFile("arg.json", """{ "Gateway": { "Site": "farm-arg" } }""");
        using var variable = EnvironmentVariable.Set(GatewayConfiguration.ConfigFileVariable, fromVariable);

        var options = ConfigLoad.Valid(GatewayConfiguration.Load([$"--config={fromArgument}"]));

        Assert.Equal("farm-arg", options.Site);
    }

    [Fact]
    public void Load_ConfigFileVariableNamesMissingFile_ErrorNamesThePath()
    {
        var missing = Path.Combine(_temp.Path, "nowhere.json");
        using var variable = EnvironmentVariable.Set(GatewayConfiguration.ConfigFileVariable, missing);

        var result = GatewayConfiguration.Load([]);

        var problem = ConfigLoad.SingleError(result, missing, null);
        Assert.Contains("not found", problem.Message);
    }

    [Fact]
    public void Load_ConfigArgumentNamesMissingFile_ErrorNamesThePath()
    {
        var missing = Path.Combine(_temp.Path, "nowhere.json");

        var result = GatewayConfiguration.Load([$"--config={missing}"]);

        var problem = ConfigLoad.SingleError(result, missing, null);
        Assert.Contains("configuration file not found", problem.Message);
        Assert.Contains(missing, problem.ToString());
    }

    [Fact]
    public void Load_RelativeConfigArgument_ErrorNamesTheFullPath()
    {
        var result = GatewayConfiguration.Load(["--config=no-such-dir/machine.json"]);

        var problem = ConfigLoad.SingleError(result, Path.GetFullPath("no-such-dir/machine.json"), null);
        Assert.True(Path.IsPathFullyQualified(problem.Key));
    }

    [Fact]
    public void Load_EmptyConfigArgument_ErrorInsteadOfException()
    {
        var result = GatewayConfiguration.Load(["--config="]);

        var problem = Assert.Single(result.Errors);
        Assert.Contains("config", problem.Key, StringComparison.OrdinalIgnoreCase);
        Assert.Null(result.Options);
    }

    [Fact]
    public void Load_MachineFileWithCommentsAndTrailingCommas_IsAccepted()
    {
        const string machine = """
            // Barn 2 gateway
            {
              /* block comment */
              "Gateway": {
                "Site": "farm-a", // trailing comment
                "Location": "barn-2",
              },
            }
            """;

        var options = ConfigLoad.Valid(ConfigLoad.RunWithMachineFile(_temp, machine));

        Assert.Equal("farm-a", options.Site);
        Assert.Equal("barn-2", options.Location);
    }

    [Fact]
    public void Load_MachineFileMissingComma_ErrorNamesFileAndBrokenLine()
    {
        // Line 5 is the first that cannot follow line 4 (no comma after "farm-a").
        const string machine = """
            // Barn 2 gateway
            {
              "Gateway": {
                "Site": "farm-a"
                "Location": "barn-2"
              }
            }
            """;
        var path = _temp.WriteFile("broken.json", machine);

        var result = GatewayConfiguration.Load([$"--config={path}"]);

        var problem = ConfigLoad.SingleError(result, path, null);
        Assert.Contains("malformed JSON at line 5,", problem.Message);
        Assert.Contains("comments and trailing commas", problem.Message);
        Assert.StartsWith(path, problem.ToString());
    }

    [Fact]
    public void Load_MachineFileWithUnquotedValue_ErrorNamesTheLineOfThatValue()
    {
        const string machine = "{\n  \"Gateway\": {\n    \"Id\": \"barn-2\",\n    \"Site\": farm-a\n  }\n}\n";
        var path = _temp.WriteFile("unquoted.json", machine);

        var result = GatewayConfiguration.Load([$"--config={path}"]);

        var problem = ConfigLoad.SingleError(result, path, null);
        Assert.Contains("malformed JSON at line 4,", problem.Message);
    }

    [Fact]
    public void Load_MachineFileNotAnObject_ErrorNamesTheFile()
    {
        var path = _temp.WriteFile("array.json", """[ "Gateway" ]""");

        var result = GatewayConfiguration.Load([$"--config={path}"]);

        ConfigLoad.SingleError(result, path, null);
    }

    [Fact]
    public void Load_CommandLineOverridesOneKeyOfASensor_OtherKeysOfThatSensorKeepTheFileValue()
    {
        // Files replace lists whole; environment variables and arguments patch single entries.
        var options = ConfigLoad.Valid(ConfigLoad.Run(_temp, "--Gateway:Sensors:0:Interval=00:01:00"));

        Assert.Equal(TimeSpan.FromMinutes(1), options.Sensors[0].Interval);
        Assert.Equal("sim-climate", options.Sensors[0].Name);
        Assert.Equal(2, options.Sensors.Count);
    }

    [Fact]
    public void Load_MachineFileListsOneSensor_OnlyThatSensorIsRead()
    {
        const string machine = """{ "Gateway": { "Sensors": [ { "Name": "barn-1", "Type": "Simulated" } ] } }""";

        var options = ConfigLoad.Valid(ConfigLoad.RunWithMachineFile(_temp, machine));

        var sensor = Assert.Single(options.Sensors);
        Assert.Equal("barn-1", sensor.Name);
        Assert.Equal(SensorOptions.DefaultInterval, sensor.Interval);
    }

    [Fact]
    public void Load_MisspeltGatewaySectionInMachineFile_WarnsNamingTheKey()
    {
        const string machine = """{ "Gatway": { "Id": "barn-2" } }""";

        var result = ConfigLoad.RunWithMachineFile(_temp, machine);

        Assert.Contains(result.Warnings, w => w.Key == "Gatway");
    }
}
