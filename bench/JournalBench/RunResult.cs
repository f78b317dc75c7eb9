namespace FarmGateway.JournalBench;

/// <summary>One measured run of one configuration; every derived figure is computed from these counts.</summary>
internal sealed record RunResult(
    string Configuration,
    long Readings,
    long PayloadBytes,
    TimeSpan Elapsed,
    long ProcessWriteBytes,
    long? DeviceWriteBytes,
    long Syncs,
    long AllocatedBytes,
    TimeSpan Duration,
    TimeSpan SyncTime,
    TimeSpan WriteTime)
{
    public double ReadingsPerSecond => Readings / Elapsed.TotalSeconds;

    /// <summary>Bytes the process caused to be written / bytes of encoded records (payloads, without frames).</summary>
    public double WriteAmplification => (double)ProcessWriteBytes / PayloadBytes;

    public double WrittenBytesPerReading => (double)ProcessWriteBytes / Readings;

    public double? DeviceBytesPerReading => DeviceWriteBytes is { } d ? (double)d / Readings : null;

    public double AllocatedBytesPerReading => (double)AllocatedBytes / Readings;

    /// <summary>Per hour of the run's (simulated) clock; barn runs only.</summary>
    public double SyncsPerHour => Duration > TimeSpan.Zero ? Syncs / Duration.TotalHours : double.NaN;
}
