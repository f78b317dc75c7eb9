namespace FarmGateway.Drivers.Scd30;

/// <summary>
/// The SCD30 I2C command codes (Interface Description v1.0 §1.4), sent big-endian. A command
/// with an argument is followed by one word + CRC; a command that answers is followed, in a
/// separate transfer, by a read of words + CRC.
/// </summary>
public static class Scd30Command
{
    /// <summary>§1.4 Trigger continuous measurement; argument: ambient pressure in mbar, 0 = none. Saves its state in NVM.</summary>
    public const ushort StartContinuousMeasurement = 0x0010;

    /// <summary>§1.4 Stop continuous measurement.</summary>
    public const ushort StopContinuousMeasurement = 0x0104;

    /// <summary>§1.4 Measurement interval in s (2..1800); write with an argument, read without. NVM.</summary>
    public const ushort MeasurementInterval = 0x4600;

    /// <summary>§1.4 Data ready status: reads 1 when a new measurement can be read.</summary>
    public const ushort GetDataReady = 0x0202;

    /// <summary>§1.4 Read measurement: 18 bytes, three big-endian floats as six words + CRC.</summary>
    public const ushort ReadMeasurement = 0x0300;

    /// <summary>§1.4 Automatic self-calibration, 1 = on, 0 = off; write with an argument, read without. NVM.</summary>
    public const ushort AutomaticSelfCalibration = 0x5306;

    /// <summary>§1.4 Forced recalibration reference in ppm (400..2000). NVM.</summary>
    public const ushort ForcedRecalibration = 0x5204;

    /// <summary>§1.4 Temperature offset in 0.01 °C (unsigned); write with an argument, read without. NVM.</summary>
    public const ushort TemperatureOffset = 0x5403;

    /// <summary>§1.4 Altitude compensation in m above sea level; ignored while a pressure is given. NVM.</summary>
    public const ushort AltitudeCompensation = 0x5102;

    /// <summary>§1.4 Firmware version: one word, major byte then minor byte.</summary>
    public const ushort ReadFirmwareVersion = 0xD100;

    /// <summary>§1.4 Soft reset; the chip restarts and needs 2 s before it answers again.</summary>
    public const ushort SoftReset = 0xD304;
}
