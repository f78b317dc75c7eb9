namespace FarmGateway.Drivers.Scd30;

/// <summary>
/// How far up the recovery ladder the driver has climbed since the last good frame. Each step is
/// taken after <see cref="Scd30Sensor.FailuresPerStep"/> failed reads in a row; a good frame
/// goes back to <see cref="None"/>.
/// </summary>
public enum Scd30RecoveryStep
{
    /// <summary>Working, or failures not yet repeated enough to act on.</summary>
    None,

    /// <summary>Stopped and started continuous measurement again.</summary>
    RestartMeasurement,

    /// <summary>Sent a soft reset, waited 2 s and ran the start-up again.</summary>
    SoftReset,

    /// <summary>Switched the supply off and on through the power switch and ran the start-up again.</summary>
    PowerCycle,

    /// <summary>The ladder did not help: reads fail at once and the start-up is retried only every <see cref="Scd30Sensor.FailedRetryPeriod"/>.</summary>
    Failed,
}
