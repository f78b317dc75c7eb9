using FarmGateway.Mqtt.Client;
using FarmGateway.Mqtt.Packets;

namespace FarmGateway.Mqtt;

/// <summary>The <c>Gateway:Mqtt</c> section: the barn broker and what the gateway publishes there.</summary>
public sealed class MqttOptions
{
    public MqttBrokerOptions Broker { get; set; } = new();

    public MqttPublishOptions Publish { get; set; } = new();

    /// <summary>Topics other sensor nodes publish readings on. Default: none.</summary>
    public List<Ingest.MqttIngestOptions> Ingest { get; set; } = [];

    /// <summary>Whether the gateway talks to the broker at all.</summary>
    public bool Enabled => Publish.Enabled || Ingest.Count > 0;
}

/// <summary>The <c>Gateway:Mqtt:Broker</c> section: how to reach the barn broker.</summary>
public sealed class MqttBrokerOptions
{
    /// <summary>Broker host name or address. Default localhost (a broker on the Pi itself).</summary>
    public string? Host { get; set; }

    /// <summary>Default 1883, or 8883 with <see cref="Tls"/>.</summary>
    public int? Port { get; set; }

    /// <summary>Default: none (anonymous).</summary>
    public string? Username { get; set; }

    /// <summary>Default: none. Better set as the environment variable Gateway__Mqtt__Broker__Password. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>TLS with server verification. Default false (a broker on the barn LAN).</summary>
    public bool Tls { get; set; }

    /// <summary>PEM file of the CA that signed the broker's certificate. Default: the system's CAs.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate, for brokers that require one; needs <see cref="PrivateKeyFile"/>. Default: none.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="CertificateFile"/>. Default: none.</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>MQTT client id, unique on the broker. Default: farm-gateway-&lt;Gateway:Id&gt;.</summary>
    public string? ClientId { get; set; }

    /// <summary>How often the connection is checked when idle. Default 00:00:30.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    public const int DefaultPort = 1883;
    public const int DefaultTlsPort = 8883;

    /// <summary>
    /// The client's options; <paramref name="will"/> is published by the broker if the gateway
    /// vanishes. A persistent session keeps subscriptions and queued QoS 1 messages at the broker
    /// while the gateway is away (needed for ingest).
    /// </summary>
    public MqttClientOptions ToClientOptions(MqttWillMessage? will, bool persistentSession = false) => new()
    {
        Host = Host ?? "localhost",
        Port = Port ?? (Tls ? DefaultTlsPort : DefaultPort),
        ClientId = ClientId!,
        CleanSession = !persistentSession,
        KeepAlive = KeepAlive,
        Username = Username,
        Password = Password,
        Will = will,
        Tls = Tls,
        CaFile = CaFile,
        ClientCertificateFile = CertificateFile,
        PrivateKeyFile = PrivateKeyFile,
    };
}

/// <summary>The <c>Gateway:Mqtt:Publish</c> section: live values for screens and Home Assistant.</summary>
public sealed class MqttPublishOptions
{
    /// <summary>Publish live values, availability and health. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>Topics start with this. Default farm/&lt;Gateway:Id&gt;.</summary>
    public string? TopicPrefix { get; set; }

    /// <summary>Announce every sensor metric and the gateway's health to Home Assistant. Default true.</summary>
    public bool HomeAssistantDiscovery { get; set; } = true;

    /// <summary>Home Assistant's discovery prefix. Default homeassistant.</summary>
    public string DiscoveryPrefix { get; set; } = Publishing.HomeAssistantDiscovery.DefaultPrefix;

    /// <summary>How often the gateway's health JSON is refreshed. Default 00:01:00.</summary>
    public TimeSpan HealthInterval { get; set; } = TimeSpan.FromMinutes(1);
}
