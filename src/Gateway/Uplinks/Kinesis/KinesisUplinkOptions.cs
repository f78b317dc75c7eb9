namespace FarmGateway.Uplinks.Kinesis;

/// <summary>The <c>Gateway:Uplinks:Kinesis</c> section: PutRecords straight into a Kinesis data stream.</summary>
public sealed class KinesisUplinkOptions
{
    // PutRecords limits: https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
    public const int MaxRecordsPerRequest = 500;
    public const long DefaultMaxRecordBytes = 1024 * 1024;
    public const long MaxAllowedRecordBytes = 10L * 1024 * 1024;
    public const long DefaultMaxRequestBytes = 5L * 1024 * 1024;
    public const long MaxAllowedRequestBytes = 10L * 1024 * 1024;
    public const int MaxPartitionKeyLength = 256;

    public bool Enabled { get; set; }

    /// <summary>Name of the data stream. Required when enabled.</summary>
    public string? StreamName { get; set; }

    /// <summary>AWS region, e.g. ap-northeast-2. Default: AWS_REGION / AWS_DEFAULT_REGION, then the profile's region.</summary>
    public string? Region { get; set; }

    /// <summary>Named profile in the service user's ~/.aws files. Default: the SDK's default credential chain.</summary>
    public string? Profile { get; set; }

    /// <summary>Endpoint override (kinesalite, a VPC endpoint). Default: the region's public endpoint.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>
    /// Kinesis partition key: Sensor (the record's sensor: per-sensor order on one shard), Gateway, or Random
    /// (derived from the record id: spreads evenly over shards, and a resend keeps its shard). Default Sensor.
    /// </summary>
    public PartitionKeySource PartitionKey { get; set; } = PartitionKeySource.Sensor;

    /// <summary>Records per PutRecords request, 1..500.</summary>
    public int MaxBatchRecords { get; set; } = MaxRecordsPerRequest;

    /// <summary>Bytes per request (data + partition keys). Default 5 MiB; streams with raised limits allow up to 10 MiB.</summary>
    public long MaxBatchBytes { get; set; } = DefaultMaxRequestBytes;

    /// <summary>Largest record (data + partition key). Default 1 MiB; larger records are quarantined.</summary>
    public long MaxRecordBytes { get; set; } = DefaultMaxRecordBytes;

    /// <summary>How long to gather readings into one request while caught up. Default 5 s.</summary>
    public TimeSpan BatchInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Timeout of one HTTP attempt. Default 10 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

public enum PartitionKeySource
{
    Sensor,
    Gateway,
    Random,
}
