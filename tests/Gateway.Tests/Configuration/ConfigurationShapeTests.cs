using FarmGateway.Configuration;
using FarmGateway.Tests.Testing;
using Microsoft.Extensions.Configuration;

namespace FarmGateway.Tests.Configuration;

[Collection(EnvironmentCollection.Name)]
public sealed class ConfigurationShapeTests : IDisposable
{
    private const string GatewayKeys = "Id, Site, Location, DataDirectory, Sensors, Journal, Uplinks";
    private const string SensorKeys =
        "Name, Type, Interval, Enabled, Gpio, Device, DevicePath, Model, I2cBus, AmbientPressureMbar, AltitudeMeters, TemperatureOffsetC, AutoCalibration, PowerGpio, Profile, Seed";
    private const string FileKeys = "Enabled, Directory, MaxFileBytes";

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private ConfigLoadResult Load(params string[] args) => ConfigLoad.Run(_temp, args);

    // --- unknown keys: warnings, never errors ---

    [Fact]
    public void Check_TypoAtTopOfGateway_WarnsNamingKeyAndAllowedKeys()
    {
        var result = Load("--Gateway:Intervall=00:00:10");

        var warning = ConfigLoad.SingleWarning(result, "Gateway:Intervall");
        Assert.Contains("unknown key", warning.Message);
        Assert.Contains($"keys allowed here: {GatewayKeys}", warning.Message);
        ConfigLoad.Valid(result);
    }

    [Fact]
    public void Check_TypoInsideSensor_WarnsNamingFullKeyAndSensorKeys()
    {
        var result = Load("--Gateway:Sensors:1:Intervl=00:00:30");

        var warning = ConfigLoad.SingleWarning(result, "Gateway:Sensors:1:Intervl");
        Assert.Contains($"keys allowed here: {SensorKeys}", warning.Message);
        var options = ConfigLoad.Valid(result);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Sensors[1].Interval);
    }

    [Fact]
    public void Check_TypoInsideFileUplink_WarnsNamingFullKeyAndFileKeys()
    {
        var result = Load("--Gateway:Uplinks:File:MaxFileByte=4096");

        var warning = ConfigLoad.SingleWarning(result, "Gateway:Uplinks:File:MaxFileByte");
        Assert.Contains($"keys allowed here: {FileKeys}", warning.Message);
        ConfigLoad.Valid(result);
    }

    [Fact]
    public void Check_UnknownUplinkKind_WarnsNamingTheKind()
    {
        var result = Load("--Gateway:Uplinks:Kafka:Topic=barn");

        var warning = ConfigLoad.SingleWarning(result, "Gateway:Uplinks:Kafka");
        Assert.Contains("keys allowed here: File, Kinesis, ApiGateway", warning.Message);
        ConfigLoad.Valid(result);
    }

    [Fact]
    public void Check_UnknownKeyInMachineFile_WarnsWithoutEchoingTheValue()
    {
        const string machine = """
            { "Gateway": { "Sensors": [
                { "Name": "s1", "Type": "Simulated" },
                { "Name": "s2", "Type": "Simulated", "Intervl": "00:00:30" } ] } }
            """;

        var result = ConfigLoad.RunWithMachineFile(_temp, machine);

        var warning = ConfigLoad.SingleWarning(result, "Gateway:Sensors:1:Intervl");
        Assert.Null(warning.Value);
        ConfigLoad.Valid(result);
    }

    [Fact]
    public void Check_UnknownKeyFromEnvironmentVariable_WarnsNamingTheColonKey()
    {
        using var variable = EnvironmentVariable.Set("Gateway__Sensors__0__Intervl", "00:00:30");

        var result = Load();

        ConfigLoad.SingleWarning(result, "Gateway:Sensors:0:Intervl");
        ConfigLoad.Valid(result);
    }

    [Fact]
    public void Check_KnownKeyInOtherCase_NoWarning()
    {
        var result = Load("--gateway:sensors:0:interval=00:00:30", "--GATEWAY:UPLINKS:FILE:MAXFILEBYTES=4096");

        Assert.Empty(result.Warnings);
        var options = ConfigLoad.Valid(result);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Sensors[0].Interval);
        Assert.Equal(4096, options.Uplinks.File.MaxFileBytes);
    }

    [Fact]
    public void Check_SeveralTypos_OneWarningEach()
    {
        var result = Load("--Gateway:Intervall=1", "--Gateway:Sensors:0:Nmae=x", "--Gateway:Uplinks:File:Enable=true");

        Assert.Equal(
            ["Gateway:Intervall", "Gateway:Sensors:0:Nmae", "Gateway:Uplinks:File:Enable"],
            result.Warnings.Select(w => w.Key).Order(StringComparer.Ordinal));
        ConfigLoad.Valid(result);
    }

    // --- wrong shape: errors ---

    [Fact]
    public void Check_LeafGivenASection_ErrorNamesLeafAndExpectedValue()
    {
        var result = Load("--Gateway:Sensors:0:Interval:Seconds=10");

        var problem = ConfigLoad.SingleError(result, "Gateway:Sensors:0:Interval", null);
        Assert.Contains("expects a single value", problem.Message);
        Assert.Contains("[d.]hh:mm:ss", problem.Message);
    }

    [Fact]
    public void Check_LeafGivenAListInMachineFile_ErrorNamesLeaf()
    {
        const string machine = """{ "Gateway": { "Id": [ "barn-1", "barn-2" ] } }""";

        var result = ConfigLoad.RunWithMachineFile(_temp, machine);

        var problem = ConfigLoad.SingleError(result, "Gateway:Id", null);
        Assert.Contains("not a section or list", problem.Message);
    }

    [Fact]
    public void Check_SectionGivenAValue_ErrorQuotesValueAndSaysSectionExpected()
    {
        var result = Load("--Gateway:Uplinks=abc");

        var problem = ConfigLoad.SingleError(result, "Gateway:Uplinks", "abc");
        Assert.Contains("expects a section { ... }", problem.Message);
    }

    [Fact]
    public void Check_ListEntryGivenAValue_ErrorQuotesValue()
    {
        var result = Load("--Gateway:Sensors:0=sim-climate");

        var problem = ConfigLoad.SingleError(result, "Gateway:Sensors:0", "sim-climate");
        Assert.Contains("expects a section", problem.Message);
    }

    [Fact]
    public void Check_ListGivenAValue_ErrorQuotesValue()
    {
        var result = Load("--Gateway:Sensors=abc");

        var problem = ConfigLoad.SingleError(result, "Gateway:Sensors", "abc");
        Assert.Contains("list", problem.Message);
    }

    [Fact]
    public void Check_ListIndexNotANumber_ErrorNamingTheKey()
    {
        var result = Load("--Gateway:Sensors:barn:Name=barn-1");

        var error = ConfigLoad.SingleError(result, "Gateway:Sensors:barn", null);
        Assert.Contains("is not a list position", error.Message);
    }

    [Fact]
    public void Check_ListIndexNotANumber_EntryIsNotRead()
    {
        var result = Load("--Gateway:Sensors:barn:Name=barn-1", "--Gateway:Sensors:barn:Type=Simulated", "--Gateway:Sensors:barn:Interval=10s");

        // One error for the entry; its unreadable Interval is not reported on top of it.
        ConfigLoad.SingleError(result, "Gateway:Sensors:barn", null);
    }

    // --- the check on its own ---

    [Fact]
    public void Check_CleanSection_AddsNothing()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Id"] = "barn-1",
            ["Gateway:Sensors:0:Name"] = "s1",
            ["Gateway:Sensors:0:Type"] = "Simulated",
            ["Gateway:Sensors:0:Interval"] = "00:00:10",
            ["Gateway:Sensors:0:Enabled"] = "false",
            ["Gateway:Sensors:0:Seed"] = "7",
            ["Gateway:Uplinks:File:MaxFileBytes"] = "4096",
        }).Build();
        List<ConfigProblem> errors = [], warnings = [];

        ConfigurationShape.Check(configuration.GetSection("Gateway"), typeof(GatewayOptions), errors, warnings);

        Assert.Empty(errors);
        Assert.Empty(warnings);
    }

    [Theory]
    [InlineData(typeof(TimeSpan), "a duration as [d.]hh:mm:ss[.fff], e.g. 00:00:10 for ten seconds")]
    [InlineData(typeof(bool), "true or false")]
    [InlineData(typeof(long), "a whole number")]
    [InlineData(typeof(int), "a whole number")]
    public void Describe_LeafType_SaysWhatIsAllowed(Type type, string expected)
    {
        Assert.Equal(expected, ConfigurationShape.Describe(type));
    }
}
