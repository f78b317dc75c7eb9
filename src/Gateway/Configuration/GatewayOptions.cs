using FarmGateway.Journal;
using FarmGateway.Sources;
using FarmGateway.Uplinks.ApiGateway;
using FarmGateway.Uplinks.File;
using FarmGateway.Uplinks.IotCore;
using FarmGateway.Uplinks.Kinesis;

namespace FarmGateway.Configuration;

/// <summary>The <c>Gateway</c> section: who this gateway is, what it reads, where data goes.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Gateway id in every record. Default: the host name.</summary>
    public string? Id { get; set; }

    /// <summary>Farm or site tag copied into every record. Default: none (absent from records).</summary>
    public string? Site { get; set; }

    /// <summary>Barn or room tag copied into every record. Default: none.</summary>
    public string? Location { get; set; }

    /// <summary>
    /// Where the gateway keeps its data. Default: <c>$STATE_DIRECTORY</c> (set by systemd's
    /// StateDirectory=) or <c>./data</c> below the working directory.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>Sensors to read; each has a unique name.</summary>
    public List<SensorOptions> Sensors { get; set; } = [];

    /// <summary>The durable journal every reading goes through (below DataDirectory/journal).</summary>
    public JournalOptions Journal { get; set; } = new();

    public UplinksOptions Uplinks { get; set; } = new();

    /// <summary>The barn's MQTT broker: live values and Home Assistant discovery.</summary>
    public Mqtt.MqttOptions Mqtt { get; set; } = new();
}

/// <summary>The <c>Gateway:Uplinks</c> section: one subsection per uplink kind.</summary>
public sealed class UplinksOptions
{
    public FileUplinkOptions File { get; set; } = new();

    public KinesisUplinkOptions Kinesis { get; set; } = new();

    public ApiGatewayUplinkOptions ApiGateway { get; set; } = new();

    /// <summary>MQTT to AWS IoT Core with an X.509 client certificate.</summary>
    public IotCoreUplinkOptions IotCore { get; set; } = new();

    public bool AnyEnabled => File.Enabled || Kinesis.Enabled || ApiGateway.Enabled || IotCore.Enabled;
}
