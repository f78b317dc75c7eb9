namespace FarmGateway.Uplinks.IotCore;

/// <summary>
/// The <c>Gateway:Uplinks:IotCore</c> section: records published over MQTT with an X.509 client
/// certificate to AWS IoT Core, where an IoT rule forwards them (to Kinesis, say).
/// </summary>
public sealed class IotCoreUplinkOptions
{
    // AWS IoT Core's message broker limits, https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits
    // (the protocol and port table: https://docs.aws.amazon.com/iot/latest/developerguide/protocols.html).

    /// <summary>Largest PUBLISH payload IoT Core takes (128 KB); larger messages are refused.</summary>
    public const int MaxPayloadBytes = 128 * 1024;

    /// <summary>Publish requests per second per connection; not adjustable.</summary>
    public const int MaxPublishesPerSecond = 100;

    /// <summary>Throughput per connection (512 KiB/s).</summary>
    public const int MaxBytesPerSecond = 512 * 1024;

    /// <summary>Unacknowledged inbound QoS 1 messages per client; past it IoT Core takes nothing more until it acknowledged some.</summary>
    public const int MaxAllowedInFlight = 100;

    /// <summary>Topic names: at most 256 bytes of UTF-8 and 7 slashes (the <c>$aws/rules/&lt;rule&gt;/</c> prefix of Basic Ingest not counted).</summary>
    public const int MaxTopicBytes = 256;

    public const int MaxTopicSlashes = 7;

    public const int MaxClientIdBytes = 128;

    /// <summary>Keepalive IoT Core accepts; it raises shorter values to 30 s.</summary>
    public static readonly TimeSpan MinKeepAlive = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan MaxKeepAlive = TimeSpan.FromSeconds(1200);

    /// <summary>MQTT over TLS with a client certificate.</summary>
    public const int DefaultPort = 8883;

    /// <summary>The HTTPS port, for networks that block 8883; needs ALPN <see cref="AwsAlpnProtocol"/>.</summary>
    public const int HttpsPort = 443;

    public const string AwsAlpnProtocol = "x-amzn-mqtt-ca";

    /// <summary>Publish records to AWS IoT Core. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The account's device data endpoint (<c>aws iot describe-endpoint --endpoint-type iot:Data-ATS</c>),
    /// a host name such as a1b2c3d4e5f6g7-ats.iot.ap-northeast-2.amazonaws.com. Required when enabled.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>Default 8883. 443 for networks that only let HTTPS out: ALPN x-amzn-mqtt-ca is then offered.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>ALPN protocol offered in the TLS handshake. Default: x-amzn-mqtt-ca on port 443, none otherwise.</summary>
    public string? Alpn { get; set; }

    /// <summary>
    /// MQTT client id; the IoT policy must allow iot:Connect for it. One connection per id: a second
    /// connection with the same id disconnects the first. Default: the gateway id (Gateway:Id).
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>Topic every record is published to, e.g. farm/barn-3/readings; no wildcards. Required when enabled.</summary>
    public string? Topic { get; set; }

    /// <summary>PEM file of the CA of IoT Core's server certificate, usually AmazonRootCA1.pem. Default: the system's CAs.</summary>
    public string? CaFile { get; set; }

    /// <summary>The device certificate (PEM) registered and active in IoT Core. Required when enabled.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The device certificate's private key (PEM, unencrypted). Required when enabled. Never logged.</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>Records per batch (one MQTT message each). Default 100, one second of IoT Core's publish rate per connection.</summary>
    public int MaxBatchRecords { get; set; } = 100;

    /// <summary>Messages sent and not yet acknowledged (PUBACK). Default 20, at most 100 (IoT Core's limit).</summary>
    public int MaxInFlight { get; set; } = 20;

    /// <summary>How long to gather readings into one batch while caught up. Default 00:00:05.</summary>
    public TimeSpan BatchInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>PINGREQ after this long without sending; whole seconds from 00:00:30 to 00:20:00. Default 00:01:00.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a batch waits for its PUBACKs while connected; then the connection is dropped and
    /// the unacknowledged records are sent again. Default 00:00:30.
    /// </summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The ALPN protocol to offer: <see cref="Alpn"/> if set, else x-amzn-mqtt-ca on port 443.</summary>
    public string? EffectiveAlpn => string.IsNullOrWhiteSpace(Alpn) ? (Port == HttpsPort ? AwsAlpnProtocol : null) : Alpn.Trim();
}
