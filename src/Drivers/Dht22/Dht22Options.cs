using FarmGateway.Drivers.Iio;

namespace FarmGateway.Drivers.Dht22;

/// <summary>
/// A DHT22 (AM2302) read through the kernel dht11 IIO driver (dtoverlay=dht11,gpiopin=N).
/// Set <see cref="Gpio"/> when there is more than one DHT on the Pi, or <see cref="DevicePath"/>.
/// </summary>
public sealed class Dht22Options
{
    /// <summary>The BCM GPIO the sensor's data pin is on (the overlay's gpiopin). Default: none (the only dht11 device).</summary>
    public int? Gpio { get; set; }

    /// <summary>An explicit device directory; wins over the lookup by name and GPIO. Default: none.</summary>
    public string? DevicePath { get; set; }

    /// <summary>Where IIO devices are listed. Default: /sys/bus/iio/devices.</summary>
    public string IioRoot { get; set; } = IioDevice.DefaultRoot;

    /// <summary>Attempts per read on EIO, ETIMEDOUT or EAGAIN, each <see cref="AttemptSpacing"/> apart. Default: 3.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// Least time between two attempts, also across reads. The DHT22 needs 2 s between
    /// measurements and the driver serves a cached value for 2 s, so 2.1 s always reaches the sensor. Default: 2.1 s.
    /// </summary>
    public TimeSpan AttemptSpacing { get; set; } = TimeSpan.FromSeconds(2.1);

    /// <summary>Largest believable temperature change per minute (a smaller gap still allows this much). Default: 5 °C.</summary>
    public double MaxTemperatureStepCPerMinute { get; set; } = 5.0;

    /// <summary>Largest believable humidity change per minute (a smaller gap still allows this much). Default: 15 %RH.</summary>
    public double MaxHumidityStepPercentPerMinute { get; set; } = 15.0;

    /// <summary>
    /// Jumps rejected in a row before a new level that keeps being read is believed (a door
    /// opened, a heater came on). Default: 3, so the 4th consistent read is accepted.
    /// </summary>
    public int JumpRejectionsBeforeAccepting { get; set; } = 3;

    /// <summary>
    /// Reads in a row at exactly 99.9 % or 1.0 % after which humidity is reported stuck: a wet or
    /// locked-up DHT22 sits at its limit, a real barn does not for long. Default: 5.
    /// </summary>
    public int StuckAtLimitReads { get; set; } = 5;

    /// <summary>
    /// Reads in a row with the very same humidity (0.1 % steps) after which it is reported stuck.
    /// High because a still barn can hold one value for a while; 0 turns the check off. Default: 30.
    /// </summary>
    public int StuckValueReads { get; set; } = 30;

    /// <summary>Failed attempts in a row (I/O errors, stuck humidity) before one power cycle, when a power switch is given. Default: 10.</summary>
    public int FailuresBeforePowerCycle { get; set; } = 10;

    /// <summary>The problems with these options, each quoting the bad value; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Gpio is < 0 or > 63) problems.Add($"Gpio must be a BCM GPIO number 0-63, got {Gpio}");
        if (string.IsNullOrWhiteSpace(IioRoot)) problems.Add($"IioRoot must be a directory, got '{IioRoot}'");
        if (MaxAttempts < 1) problems.Add($"MaxAttempts must be at least 1, got {MaxAttempts}");
        if (AttemptSpacing < TimeSpan.FromSeconds(2))
            problems.Add($"AttemptSpacing must be at least 2 s (the DHT22's measurement period), got {AttemptSpacing}");
        if (MaxTemperatureStepCPerMinute <= 0) problems.Add($"MaxTemperatureStepCPerMinute must be positive, got {MaxTemperatureStepCPerMinute}");
        if (MaxHumidityStepPercentPerMinute <= 0) problems.Add($"MaxHumidityStepPercentPerMinute must be positive, got {MaxHumidityStepPercentPerMinute}");
        if (JumpRejectionsBeforeAccepting < 0) problems.Add($"JumpRejectionsBeforeAccepting must not be negative, got {JumpRejectionsBeforeAccepting}");
        if (StuckAtLimitReads < 2) problems.Add($"StuckAtLimitReads must be at least 2, got {StuckAtLimitReads}");
        if (StuckValueReads is < 0 or 1) problems.Add($"StuckValueReads must be 0 (off) or at least 2, got {StuckValueReads}");
        if (FailuresBeforePowerCycle < 1) problems.Add($"FailuresBeforePowerCycle must be at least 1, got {FailuresBeforePowerCycle}");
        return problems;
    }
}
