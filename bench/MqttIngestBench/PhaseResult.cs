namespace FarmGateway.MqttIngestBench;

internal enum Phase
{
    /// <summary>A plain mosquitto_sub -q 1 -c: the broker's pace.</summary>
    Subscriber,

    /// <summary>The real gateway process, counted at its outbox.</summary>
    Gateway,
}

/// <summary>One measured phase of one run.</summary>
/// <param name="Wall">From the publishers' start to the sink holding every measured message.</param>
/// <param name="PublishersDone">From the publishers' start to the last one's exit (the broker has acknowledged all it sent).</param>
/// <param name="SinkCpu">utime+stime of mosquitto_sub or of the gateway over the measured load.</param>
/// <param name="Memory">Gateway only.</param>
/// <param name="Check">What arrived, message by message.</param>
internal sealed record PhaseResult(
    int Run, Phase Phase, int Messages, TimeSpan Wall, TimeSpan PublishersDone,
    TimeSpan SinkCpu, TimeSpan BrokerCpu, TimeSpan PublishersCpu, double OtherCores, bool Quiet,
    GatewayMemory? Memory, Delivery Check)
{
    public double Rate => Messages / Wall.TotalSeconds;

    public double SinkCpuMsPerThousand => SinkCpu.TotalMilliseconds * 1000 / Messages;

    public double BrokerCpuMsPerThousand => BrokerCpu.TotalMilliseconds * 1000 / Messages;

    public double PublishersCpuMsPerThousand => PublishersCpu.TotalMilliseconds * 1000 / Messages;

    /// <summary>The broker's CPU over the wall time: how busy the sink kept it.</summary>
    public double BrokerBusy => BrokerCpu / Wall;
}

/// <param name="IdleAfterStart">VmRSS after start-up and <c>--idle-seconds</c> of nothing, before any message.</param>
/// <param name="PeakSampled">The highest VmRSS of the 100 ms samples during the measured load.</param>
/// <param name="HighWaterMark">VmHWM at the end of the load: the peak since the process started (start-up and warm-up included).</param>
/// <param name="IdleAfterLoad">VmRSS 5 s after the load ended.</param>
internal sealed record GatewayMemory(long IdleAfterStart, long PeakSampled, long HighWaterMark, long IdleAfterLoad, int Samples);

/// <param name="Received">Measured messages found (lines for mosquitto_sub, distinct (sensor, message) records for the gateway).</param>
/// <param name="Missing">Measured messages not found.</param>
/// <param name="Duplicates">Extra copies (mosquitto_sub: lines beyond the total; gateway: records of the same message).</param>
internal sealed record Delivery(int Received, int Missing, int Duplicates)
{
    public bool Complete => Missing == 0;
}
