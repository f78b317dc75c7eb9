using FarmGateway.Drivers.Scd30;
using FarmGateway.Drivers.Tests.Testing;

namespace FarmGateway.Drivers.Tests.Scd30;

public sealed class Scd30OptionsTests
{
    [Fact]
    public void Defaults_AreDocumentedValues()
    {
        var options = new Scd30Options();
        Assert.Equal(1, options.Bus);
        Assert.Equal(0x61, options.Address);
        Assert.Equal(TimeSpan.FromSeconds(30), options.MeasurementInterval);
        Assert.Null(options.AmbientPressureMbar);
        Assert.Null(options.AltitudeMeters);
        Assert.Equal(0, options.TemperatureOffsetC);
        Assert.Null(options.AutoCalibration);
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(1800)]
    public void Validate_IntervalAtTheLimits_IsValid(int seconds)
    {
        Assert.Empty(new Scd30Options { MeasurementInterval = TimeSpan.FromSeconds(seconds) }.Validate());
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1801.0)]
    [InlineData(2.5)]
    public void Validate_IntervalOutsideTwoTo1800WholeSeconds_QuotesIt(double seconds)
    {
        var error = Assert.Single(new Scd30Options { MeasurementInterval = TimeSpan.FromSeconds(seconds) }.Validate());
        Assert.Contains("MeasurementInterval", error);
        Assert.Contains(TimeSpan.FromSeconds(seconds).ToString(), error);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(700, true)]
    [InlineData(1400, true)]
    [InlineData(699, false)]
    [InlineData(1401, false)]
    public void Validate_Pressure_IsZeroOr700To1400(int mbar, bool valid)
    {
        var errors = new Scd30Options { AmbientPressureMbar = (ushort)mbar }.Validate();
        Assert.Equal(valid, errors.Count == 0);
        if (!valid) Assert.Contains(mbar.ToString(), errors[0]);
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(double.NaN)]
    [InlineData(655.36)]
    public void Validate_TemperatureOffsetNegativeOrNotARegisterValue_IsRejected(double offset)
    {
        Assert.Contains("TemperatureOffsetC", Assert.Single(new Scd30Options { TemperatureOffsetC = offset }.Validate()));
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsQuotingEveryBadValue()
    {
        var options = new Scd30Options { MeasurementInterval = TimeSpan.FromSeconds(1), AmbientPressureMbar = 500 };
        var ex = Assert.Throws<ArgumentException>(() => new Scd30Sensor(new Scd30Emulator(new VirtualClock()), options, new VirtualClock()));
        Assert.Contains("MeasurementInterval", ex.Message);
        Assert.Contains("500", ex.Message);
    }
}
