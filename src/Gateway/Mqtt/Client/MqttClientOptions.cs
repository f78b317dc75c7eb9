using FarmGateway.Mqtt.Packets;

namespace FarmGateway.Mqtt.Client;

/// <summary>How to reach and talk to one broker. Check with <see cref="Validate"/> before use.</summary>
public sealed class MqttClientOptions
{
    /// <summary>Broker host name or address; with TLS it must match the server certificate.</summary>
    public string Host { get; set; } = "localhost";

    /// <summary>Default 1883; 8883 is usual for TLS, 443 with <see cref="Alpn"/> for AWS IoT Core.</summary>
    public int Port { get; set; } = 1883;

    /// <summary>1-23 characters is what every broker must accept [MQTT-3.1.3-5]; longer usually works.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>Default true. False keeps the session (subscriptions, queued QoS 1 messages) across connections.</summary>
    public bool CleanSession { get; set; } = true;

    /// <summary>Default 30 s, whole seconds up to 65,535; zero turns keepalive off.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for PINGRESP before dropping the connection. Default 10 s.</summary>
    public TimeSpan PingResponseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public string? Username { get; set; }

    /// <summary>Never logged.</summary>
    public string? Password { get; set; }

    public MqttWillMessage? Will { get; set; }

    /// <summary>Default false. True: TLS with server verification (system roots, or <see cref="CaFile"/>).</summary>
    public bool Tls { get; set; }

    /// <summary>PEM file of the CA that signs the broker's certificate, instead of the system roots. The host name is still checked.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate for mutual TLS (AWS IoT Core style); needs <see cref="PrivateKeyFile"/>.</summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="ClientCertificateFile"/>. Never logged.</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>ALPN protocol to offer, e.g. "x-amzn-mqtt-ca" for AWS IoT Core on port 443.</summary>
    public string? Alpn { get; set; }

    /// <summary>Default 20: QoS 1 messages sent and not yet acknowledged; more wait for a slot.</summary>
    public int MaxInFlight { get; set; } = 20;

    /// <summary>Largest packet accepted from the broker. Default 256 KiB; larger ones close the connection.</summary>
    public int MaxPacketBytes { get; set; } = MqttPacketDecoder.DefaultMaxPacketBytes;

    /// <summary>TCP connect, TLS handshake and CONNACK together. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First wait after a failure (jittered ±20 %), doubling up to <see cref="ReconnectDelayMax"/>. Default 1 s.</summary>
    public TimeSpan ReconnectDelayMin { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Default 60 s.</summary>
    public TimeSpan ReconnectDelayMax { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>"host:port", with " (TLS)" when it applies, for logs.</summary>
    public string Endpoint => $"{Host}:{Port}{(Tls ? " (TLS)" : "")}";

    /// <summary>Every problem with these options, each quoting the bad value; empty when usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Host)) problems.Add("Host is empty");
        if (Port is < 1 or > 65535) problems.Add($"Port {Port} is not 1-65535");
        if (MqttString.Check(ClientId) is { } id) problems.Add($"ClientId {id}");
        if (ClientId.Length == 0 && !CleanSession) problems.Add("An empty ClientId needs CleanSession true [MQTT-3.1.3-7]");
        if (KeepAlive < TimeSpan.Zero || KeepAlive.TotalSeconds > ushort.MaxValue || KeepAlive.Ticks % TimeSpan.TicksPerSecond != 0)
            problems.Add($"KeepAlive {KeepAlive} is not whole seconds from 0 to 65535");
        if (PingResponseTimeout <= TimeSpan.Zero) problems.Add($"PingResponseTimeout {PingResponseTimeout} must be positive");
        if (Password is not null && Username is null) problems.Add("A Password needs a Username [MQTT-3.1.2-22]");
        if (Username is not null && MqttString.Check(Username) is { } user) problems.Add($"Username {user}");
        if (Will is not null && MqttTopic.CheckName(Will.Topic) is { } will) problems.Add($"Will {will}");
        if (Will is not null && Will.Payload.Length > MqttString.MaxBytes) problems.Add($"Will payload of {Will.Payload.Length} bytes is more than {MqttString.MaxBytes}");
        if ((ClientCertificateFile is null) != (PrivateKeyFile is null)) problems.Add("ClientCertificateFile and PrivateKeyFile go together");
        if (!Tls && (CaFile ?? ClientCertificateFile ?? Alpn) is not null) problems.Add("CaFile, ClientCertificateFile and Alpn need Tls true");
        if (MaxInFlight is < 1 or > 65_000) problems.Add($"MaxInFlight {MaxInFlight} is not 1-65000");
        if (MaxPacketBytes < 16) problems.Add($"MaxPacketBytes {MaxPacketBytes} is less than 16");
        if (ConnectTimeout <= TimeSpan.Zero) problems.Add($"ConnectTimeout {ConnectTimeout} must be positive");
        if (ReconnectDelayMin <= TimeSpan.Zero || ReconnectDelayMax < ReconnectDelayMin)
            problems.Add($"ReconnectDelayMin {ReconnectDelayMin} must be positive and at most ReconnectDelayMax {ReconnectDelayMax}");
        return problems;
    }
}
