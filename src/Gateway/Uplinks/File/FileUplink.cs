using System.Buffers;
using FarmGateway.Configuration;
using FarmGateway.Journal;
using FarmGateway.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FarmGateway.Uplinks.File;

/// <summary>
/// The local outbox as an uplink: each batch becomes whole NDJSON lines in one write, fsynced
/// before the worker acknowledges it, so a record acknowledged to the journal is durably in a
/// file. Batches form at the journal's group commit, so the outbox fsyncs about as often as
/// the journal (once per FlushInterval while readings flow).
/// </summary>
public sealed class FileUplink(
    IOptions<GatewayOptions> options,
    AppendFileOpener openFile,
    TimeProvider time,
    ILogger<FileUplink> logger) : IUplink
{
    private readonly FileUplinkOptions _options = options.Value.Uplinks.File;
    private readonly ArrayBufferWriter<byte> _lines = new(64 * 1024);
    private NdjsonOutbox? _outbox;

    public string Name => "file";

    // Batches form at the journal's group commit: the outbox fsyncs no more often than the journal.
    public UplinkLimits Limits { get; } = new(MaxBatchRecords: 1000, MaxBatchBytes: 4 * 1024 * 1024,
        MaxRecordBytes: 4 * 1024 * 1024, BatchInterval: TimeSpan.Zero);

    public long WireBytes(JournalRecord record) => record.Payload.Length + 1;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _outbox = new NdjsonOutbox(_options.Directory!, options.Value.Id!, _options.MaxFileBytes, time, openFile);
        var recovery = _outbox.Recover();
        if (recovery != default) FileUplinkLog.Recovered(logger, recovery.FilesCompleted, recovery.TornLinesCut, recovery.TornBytesCut);
        FileUplinkLog.Opened(logger, _outbox.Directory);
        return Task.CompletedTask;
    }

    public Task<SendResult> SendAsync(IReadOnlyList<JournalRecord> batch, CancellationToken cancellationToken)
    {
        var outbox = _outbox ?? throw new InvalidOperationException("The file uplink is not started.");
        _lines.ResetWrittenCount();
        foreach (var record in batch)
        {
            _lines.Write(record.Payload.Span);
            _lines.Write("\n"u8);
        }
        outbox.Append(_lines.WrittenSpan);
        outbox.Sync();
        return Task.FromResult(SendResult.AllDelivered);
    }

    public Task TickAsync(CancellationToken cancellationToken)
    {
        _outbox?.RotateIfDue();
        return Task.CompletedTask;
    }

    /// <summary>Completes the current file (fsync + rename). Safe to call twice.</summary>
    public ValueTask DisposeAsync()
    {
        if (_outbox is { } outbox)
        {
            _outbox = null;
            try
            {
                outbox.Complete();
            }
            catch (IOException e)
            {
                // The .part file stays; start-up recovery completes it.
                FileUplinkLog.CompleteFailed(logger, e.Message);
            }
            outbox.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
