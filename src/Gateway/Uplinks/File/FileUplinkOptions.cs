namespace FarmGateway.Uplinks.File;

/// <summary>The <c>Gateway:Uplinks:File</c> section: the NDJSON outbox on local disk.</summary>
public sealed class FileUplinkOptions
{
    public const long MinFileBytes = 4 * 1024;
    public const long MaxAllowedFileBytes = 1024L * 1024 * 1024;

    /// <summary>Write records to the outbox. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Outbox folder. Default: <c>outbox</c> below the data directory.</summary>
    public string? Directory { get; set; }

    /// <summary>A file is closed and a new one started past this size. Default 16 MiB.</summary>
    public long MaxFileBytes { get; set; } = 16 * 1024 * 1024;
}
