using System.Buffers;
using System.Text.Json;
using FarmGateway.Journal;
using FarmGateway.Storage;

namespace FarmGateway.Uplinks;

/// <summary>
/// Records an uplink's far side refused as invalid (or that are over its size limit), kept on
/// disk with the reason so nothing accepted is silently lost and a data engineer can look at
/// them: <c>&lt;data&gt;/quarantine/&lt;uplink&gt;.ndjson</c>, one JSON line per record:
/// <c>{"at":..,"uplink":..,"reason":..,"seq":..,"record":&lt;the record&gt;}</c>. A record that is not
/// valid JSON is kept as a base64 string in <c>"recordBase64"</c>.
///
/// Invariants: a record is written and fsynced before the worker acknowledges it; a write that
/// fails throws and the record stays in the journal. The file is rotated to <c>.1</c> past
/// <see cref="MaxFileBytes"/>, so at most twice that is kept per uplink.
/// </summary>
public sealed class Quarantine(string directory, string uplink, TimeProvider time, AppendFileOpener openFile) : IDisposable
{
    public const long MaxFileBytes = 32L * 1024 * 1024;

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private IAppendFile? _file;

    public string Path { get; } = System.IO.Path.Combine(directory, uplink + ".ndjson");

    /// <summary>Writes the records with their reasons and fsyncs; throws <see cref="IOException"/> when the disk refuses.</summary>
    public void Put(IReadOnlyList<(JournalRecord Record, string Reason)> records)
    {
        if (records.Count == 0) return;
        _buffer.ResetWrittenCount();
        var at = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (record, reason) in records)
        {
            using (var writer = new Utf8JsonWriter(_buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("at", at);
                writer.WriteString("uplink", uplink);
                writer.WriteString("reason", reason);
                writer.WriteNumber("seq", record.Sequence);
                writer.WriteString("epoch", record.Epoch);
                if (IsJson(record.Payload.Span))
                {
                    writer.WritePropertyName("record");
                    writer.WriteRawValue(record.Payload.Span, skipInputValidation: true);
                }
                else
                {
                    writer.WriteBase64String("recordBase64", record.Payload.Span);
                }
                writer.WriteEndObject();
            }
            _buffer.Write("\n"u8);
        }
        var file = Open();
        if (file.Length > 0 && file.Length + _buffer.WrittenCount > MaxFileBytes)
        {
            file.Dispose();
            _file = null;
            System.IO.File.Move(Path, Path + ".1", overwrite: true);
            file = Open();
        }
        var before = file.Length;
        try
        {
            file.Append(_buffer.WrittenSpan);
            file.Sync();
        }
        catch (IOException)
        {
            TryCutBack(file, before);
            throw;
        }
    }

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
    }

    private IAppendFile Open()
    {
        if (_file is not null) return _file;
        Directory.CreateDirectory(directory);
        return _file = openFile(Path);
    }

    private static void TryCutBack(IAppendFile file, long length)
    {
        try
        {
            file.Truncate(length);
        }
        catch (IOException)
        {
            // A torn line stays; readers of the quarantine skip lines that do not parse.
        }
    }

    private static bool IsJson(ReadOnlySpan<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            reader.Read();
            reader.Skip();
            return reader.TokenType is JsonTokenType.EndObject && reader.BytesConsumed == payload.Length;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
