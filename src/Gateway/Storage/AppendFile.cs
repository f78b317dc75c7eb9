using Microsoft.Win32.SafeHandles;

namespace FarmGateway.Storage;

/// <summary>Opens (or creates) an append file; the DI seam for a full or failing disk in tests.</summary>
public delegate IAppendFile AppendFileOpener(string path);

/// <summary>An append-only file with explicit durability; the seam tests use to simulate a full or failing disk.</summary>
public interface IAppendFile : IDisposable
{
    string Path { get; }

    /// <summary>Bytes written so far (only whole successful appends count).</summary>
    long Length { get; }

    /// <summary>Writes all of <paramref name="data"/> at the end, or throws IOException.</summary>
    void Append(ReadOnlySpan<byte> data);

    /// <summary>fsync: what was appended survives a power cut once this returns.</summary>
    void Sync();

    /// <summary>Cuts the file back to <paramref name="length"/> bytes (undoes a torn append).</summary>
    void Truncate(long length);
}

/// <summary>
/// <see cref="IAppendFile"/> on a plain file handle: positional writes (no stream buffer, so
/// nothing sits in user space), fsync via <see cref="RandomAccess.FlushToDisk"/>.
/// </summary>
public sealed class AppendFile : IAppendFile
{
    private readonly SafeFileHandle _handle;

    private AppendFile(string path, SafeFileHandle handle)
    {
        Path = path;
        _handle = handle;
        Length = RandomAccess.GetLength(handle);
    }

    /// <summary>Opens or creates <paramref name="path"/> for appending; readers may read it meanwhile.</summary>
    public static IAppendFile Open(string path) =>
        new AppendFile(path, File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read));

    public string Path { get; }
    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        RandomAccess.Write(_handle, data, Length);
        Length += data.Length;
    }

    public void Sync() => RandomAccess.FlushToDisk(_handle);

    public void Truncate(long length)
    {
        RandomAccess.SetLength(_handle, length);
        Length = length;
    }

    public void Dispose() => _handle.Dispose();
}
