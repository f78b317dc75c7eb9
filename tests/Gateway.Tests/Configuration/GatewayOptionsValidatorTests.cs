using FarmGateway.Configuration;
using FarmGateway.Sources;
using FarmGateway.Tests.Testing;

namespace FarmGateway.Tests.Configuration;

[Collection(EnvironmentCollection.Name)]
public sealed class GatewayOptionsValidatorTests : IDisposable
{
    private const string NameRule = "1 to 64 characters from A-Z a-z 0-9 . _ -";

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private ConfigLoadResult Load(params string[] args) => ConfigLoad.Run(_temp, args);

    // --- sensors: Type ---

    [Fact]
    public void Check_NewSensorWithoutType_ErrorNamesTypeAndAllowedValues()
    {
        var result = Load("--Gateway:Sensors:2:Name=barn-1");

        var problem = ConfigLoad.SingleError(result, "Gateway:Sensors:2:Type", null);
        Assert.Contains("is missing", problem.Message);
        Assert.Contains("Simulated", problem.Message);
    }

    [Fact]
    public void Check_TypeBlankedOnSensorWithProfile_OnlyTheMissingTypeIsReported()
    {
        var result = Load("--Gateway:Sensors:0:Type=");

        var problem = ConfigLoad.SingleError(result, "Gateway:Sensors:0:Type", null);
        Assert.Contains("Simulated", problem.Message);
    }

    [Fact]
    public void Check_TypeUnknown_ErrorQuotesValueAndListsAllowedTypes()
    {
        var result = Load("--Gateway:Sensors:0:Type=Dht23");

        var problem = ConfigLoad.SingleError(result, "Gateway:Sensors:0:Type", "Dht23");
        Assert.Contains("one of: Simulated, Dht22, Scd30, Iio", problem.Message);
        Assert.Equal("Gateway:Sensors:0:Type = 'Dht23': is not one of: Simulated, Dht22, Scd30, Iio", problem.ToString());
    }

    [Fact]
    public void Check_TypeInOtherCase_IsAccepted()
    {
        var options = ConfigLoad.Valid(Load("--Gateway:Sensors:0:Type=simulated"));

        Assert.Equal(SensorType.Simulated, options.Sensors[0].Type);
    }

    [Fact]
    public void Check_TypeAsNumber_IsRejected()
    {
        var result = Load("--Gateway:Sensors:0:Type=0");

        ConfigLoad.SingleError(result, "Gateway:Sensors:0:Type", "0");
    }

    [Fact]
    public void Check_ProfileUnknown_ErrorListsProfiles()
    {
        var result = Load("--Gateway:Sensors:0:Profile=Bme280");

        var problem = ConfigLoad.SingleError(result, "Gateway:Sensors:0:Profile", "Bme280");
        Assert.Contains("Dht22, Scd30", problem.Message);
    }

    // --- sensors: Name ---

    [Fact]
    public void Check_SensorNameMissing_ErrorNamesKeyAndRule()
    {
        var result = Load("--Gateway:Sensors:1:Name=");

        var problem = ConfigLoad.SingleError(result, "Gateway:Sensors:1:Name", null);
        Assert.Contains("is missing", problem.Message);
        Assert.Contains(NameRule, problem.Message);
    }

    [Fact]
    public void Check_SensorNameWithSpace_ErrorQuotesNameAndRule()
    {
        var result = Load("--Gateway:Sensors:0:Name=barn 1");

        var problem = ConfigLoad.SingleError(result, "Gateway:Sensors:0:Name", "barn 1");
        Assert.Contains(NameRule, problem.Message);
    }

    [Fact]
    public void Check_SensorNameOf65Characters_IsRejected()
    {
        var name = new string('a', 65);

        var result = Load($"--Gateway:Sensors:0:Name={name}");

        ConfigLoad.SingleError(result, "Gateway:Sensors:0:Name", name);
    }

    [Fact]
    public void Check_SensorNameOf64AllowedCharacters_IsAccepted()
    {
        var name = "Barn_1.co2-" + new string('x', 53);

        var options = ConfigLoad.Valid(Load($"--Gateway:Sensors:0:Name={name}"));

        Assert.Equal(name, options.Sensors[0].Name);
    }

    [Fact]
    public void Check_DuplicateSensorName_ErrorNamesSecondIndexAndTheFirst()
    {
        var result = Load("--Gateway:Sensors:1:Name=sim-climate");

        var problem = ConfigLoad.SingleError(result, "Gateway:Sensors:1:Name", "sim-climate");
        Assert.Contains("duplicate", problem.Message);
        Assert.Contains("Gateway:Sensors:0", problem.Message);
    }

    [Fact]
    public void Check_SensorNamesDifferingOnlyByCase_AreDuplicates()
    {
        var result = Load("--Gateway:Sensors:1:Name=SIM-Climate");

        var problem = ConfigLoad.SingleError(result, "Gateway:Sensors:1:Name", "SIM-Climate");
        Assert.Contains("Gateway:Sensors:0", problem.Message);
    }

    [Fact]
    public void Check_ThreeSensorsSameName_EachLaterOneNamesTheFirstIndex()
    {
        var result = Load("--Gateway:Sensors:1:Name=sim-climate",
            "--Gateway:Sensors:2:Name=sim-climate", "--Gateway:Sensors:2:Type=Simulated");

        Assert.Collection(result.Errors,
            p => Assert.Equal(("Gateway:Sensors:1:Name", true), (p.Key, p.Message.Contains("Gateway:Sensors:0"))),
            p => Assert.Equal(("Gateway:Sensors:2:Name", true), (p.Key, p.Message.Contains("Gateway:Sensors:0"))));
    }

    [Fact]
    public void Check_SparseSensorIndex_ProblemNamesTheIndexAsWritten()
    {
        var result = Load("--Gateway:Sensors:5:Name=barn-5");

        var problem = Assert.Single(result.Errors);
        Assert.Equal("Gateway:Sensors:5:Type", problem.Key);
    }

    // --- sensors: Interval ---

    [Theory]
    [InlineData("00:00:00", "00:00:00")]
    [InlineData("00:00:00.009", "00:00:00.009")]
    [InlineData("-00:00:05", "-00:00:05")]
    [InlineData("2.00:00:00", "2.00:00:00")]
    [InlineData("1.00:00:00.001", "1.00:00:00.0010000")]
    public void Check_IntervalOutOfRange_ErrorQuotesValueAndRange(string interval, string shown)
    {
        var result = Load($"--Gateway:Sensors:0:Interval={interval}");

        var problem = ConfigLoad.SingleError(result, "Gateway:Sensors:0:Interval", shown);
        Assert.Contains("must be between 00:00:00.010 and 1.00:00:00", problem.Message);
    }

    [Theory]
    [InlineData("00:00:00.010")]
    [InlineData("1.00:00:00")]
    [InlineData("00:05:00")]
    public void Check_IntervalAtOrWithinLimits_IsAccepted(string interval)
    {
        var options = ConfigLoad.Valid(Load($"--Gateway:Sensors:1:Interval={interval}"));

        Assert.Equal(TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture), options.Sensors[1].Interval);
    }

    [Theory]
    [InlineData("10s")]
    [InlineData("ten seconds")]
    [InlineData("00:00:60")]
    public void Check_IntervalNotADuration_ErrorExplainsTheDurationFormat(string interval)
    {
        var result = Load($"--Gateway:Sensors:1:Interval={interval}");

        var problem = ConfigLoad.SingleError(result, "Gateway:Sensors:1:Interval", interval);
        Assert.Contains("[d.]hh:mm:ss", problem.Message);
        Assert.Contains("00:00:10", problem.Message);
    }

    [Fact]
    public void Check_IntervalAsBareNumber_IsReadAsDaysAndRejectedAsTooLong()
    {
        // TimeSpan reads "10" as ten days; the range check stops it rather than a silent 10-day interval.
        var result = Load("--Gateway:Sensors:0:Interval=10");

        ConfigLoad.SingleError(result, "Gateway:Sensors:0:Interval", "10.00:00:00");
    }

    // --- gateway identity ---

    [Theory]
    [InlineData("barn 1")]
    [InlineData("barn/1")]
    [InlineData("stall-ä")]
    public void Check_IdWithInvalidCharacters_ErrorQuotesIdAndRule(string id)
    {
        var result = Load($"--Gateway:Id={id}");

        var problem = ConfigLoad.SingleError(result, "Gateway:Id", id);
        Assert.Contains(NameRule, problem.Message);
        Assert.Contains("host name", problem.Message);
    }

    [Fact]
    public void Check_SiteAndLocationInvalid_OneErrorEach()
    {
        var result = Load("--Gateway:Site=farm a", "--Gateway:Location=barn#2");

        Assert.Collection(result.Errors,
            p => Assert.Equal(("Gateway:Site", "farm a"), (p.Key, p.Value)),
            p => Assert.Equal(("Gateway:Location", "barn#2"), (p.Key, p.Value)));
    }

    // --- File uplink ---

    [Theory]
    [InlineData(4095L)]
    [InlineData(1073741825L)]
    [InlineData(0L)]
    [InlineData(-1L)]
    public void Check_MaxFileBytesOutOfRange_ErrorQuotesValueAndRange(long bytes)
    {
        var result = Load($"--Gateway:Uplinks:File:MaxFileBytes={bytes}");

        var problem = ConfigLoad.SingleError(result, "Gateway:Uplinks:File:MaxFileBytes", bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("between 4096 (4 KiB) and 1073741824 (1 GiB)", problem.Message);
    }

    [Theory]
    [InlineData(4096L)]
    [InlineData(1073741824L)]
    public void Check_MaxFileBytesAtLimit_IsAccepted(long bytes)
    {
        var options = ConfigLoad.Valid(Load($"--Gateway:Uplinks:File:MaxFileBytes={bytes}"));

        Assert.Equal(bytes, options.Uplinks.File.MaxFileBytes);
    }

    [Theory]
    [InlineData("16MiB")]
    [InlineData("99999999999999999999")]
    public void Check_MaxFileBytesNotAWholeNumber_ErrorSaysWholeNumber(string bytes)
    {
        var result = Load($"--Gateway:Uplinks:File:MaxFileBytes={bytes}");

        var problem = ConfigLoad.SingleError(result, "Gateway:Uplinks:File:MaxFileBytes", bytes);
        Assert.Contains("a whole number", problem.Message);
    }

    [Theory]
    [InlineData("-00:00:01", "-00:00:01")]
    [InlineData("00:01:01", "00:01:01")]
    [InlineData("01:00:00", "01:00:00")]
    public void Check_FlushIntervalOutOfRange_ErrorQuotesValueAndRange(string flush, string shown)
    {
        var result = Load($"--Gateway:Journal:FlushInterval={flush}");

        var problem = ConfigLoad.SingleError(result, "Gateway:Journal:FlushInterval", shown);
        Assert.Contains("between 00:00:00 (fsync every reading, wears the SD card) and 00:01:00", problem.Message);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("00:01:00")]
    public void Check_FlushIntervalAtLimit_IsAccepted(string flush)
    {
        ConfigLoad.Valid(Load($"--Gateway:Journal:FlushInterval={flush}"));
    }

    [Fact]
    public void Check_FileUplinkDisabled_ErrorSaysNoUplinkIsEnabled()
    {
        var result = Load("--Gateway:Uplinks:File:Enabled=false");

        var problem = ConfigLoad.SingleError(result, "Gateway:Uplinks", null);
        Assert.Contains("no uplink is enabled", problem.Message);
    }

    [Fact]
    public void Check_EnabledNotABoolean_ErrorSaysTrueOrFalse()
    {
        var result = Load("--Gateway:Uplinks:File:Enabled=yes");

        var problem = ConfigLoad.SingleError(result, "Gateway:Uplinks:File:Enabled", "yes");
        Assert.Contains("true or false", problem.Message);
    }

    // --- several mistakes ---

    [Fact]
    public void Check_SeveralRuleViolations_AllAreReportedInKeyOrder()
    {
        var result = Load(
            "--Gateway:Id=barn 2",
            "--Gateway:Sensors:0:Name=barn 1",
            "--Gateway:Sensors:1:Interval=00:00:00",
            "--Gateway:Sensors:2:Name=sim-co2",
            "--Gateway:Uplinks:File:MaxFileBytes=1",
            "--Gateway:Journal:FlushInterval=00:05:00");

        Assert.Null(result.Options);
        Assert.Equal(
            [
                "Gateway:Id",
                "Gateway:Sensors:0:Name",
                "Gateway:Sensors:1:Interval",
                "Gateway:Sensors:2:Name",
                "Gateway:Sensors:2:Type",
                "Gateway:Journal:FlushInterval",
                "Gateway:Uplinks:File:MaxFileBytes",
            ],
            result.Errors.Select(p => p.Key));
    }

    [Fact]
    public void Check_SeveralUnreadableValues_AllAreReported()
    {
        var result = Load(
            "--Gateway:Sensors:0:Type=Dht23",
            "--Gateway:Sensors:1:Interval=10s",
            "--Gateway:Uplinks:File:MaxFileBytes=big");

        Assert.Equal(
            ["Gateway:Sensors:0:Type", "Gateway:Sensors:1:Interval", "Gateway:Uplinks:File:MaxFileBytes"],
            result.Errors.Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Check_UnreadableValueAndRuleViolation_BothAreReported()
    {
        var result = Load("--Gateway:Sensors:0:Interval=10s", "--Gateway:Sensors:1:Name=barn 1");

        Assert.Equal(
            ["Gateway:Sensors:0:Interval", "Gateway:Sensors:1:Name"],
            result.Errors.Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Check_ValidOptionsBuiltInCode_NoProblems()
    {
        var options = new GatewayOptions
        {
            Id = "barn-2",
            Sensors = [new SensorOptions { Name = "s1", Type = SensorType.Simulated, Interval = TimeSpan.FromSeconds(1) }],
        };

        Assert.Empty(GatewayOptionsValidator.Check(options));
    }

    [Fact]
    public void Validate_InvalidOptions_FailsWithOneLinePerProblem()
    {
        var options = new GatewayOptions { Id = "barn 2", Site = "farm a" };

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(
            ["Gateway:Id = 'barn 2': is not a valid name; allowed: 1 to 64 characters from A-Z a-z 0-9 . _ -; the default is the host name, set Gateway:Id when the host name does not fit",
             "Gateway:Site = 'farm a': is not a valid name; allowed: 1 to 64 characters from A-Z a-z 0-9 . _ -"],
            result.Failures!);
    }
}
