using FarmGateway.Storage;

namespace FarmGateway.Tests.Testing;

/// <summary>
/// A real append file whose disk "fills up": while <see cref="Full"/> is set, an append writes
/// only the first half of its data (as a real ENOSPC can) and then throws.
/// </summary>
public sealed class FailingDisk
{
    public const int Enospc = 28;

    public bool Full { get; set; }
    public bool RefuseTruncate { get; set; }
    public int FailedAppends { get; private set; }

    public IAppendFile Open(string path) => new File(this, AppendFile.Open(path));

    private sealed class File(FailingDisk disk, IAppendFile inner) : IAppendFile
    {
        public string Path => inner.Path;
        public long Length => inner.Length;

        public void Append(ReadOnlySpan<byte> data)
        {
            if (!disk.Full)
            {
                inner.Append(data);
                return;
            }
            disk.FailedAppends++;
            inner.Append(data[..(data.Length / 2)]);
            throw new IOException("No space left on device", Enospc);
        }

        public void Sync() => inner.Sync();

        public void Truncate(long length)
        {
            if (disk.RefuseTruncate) throw new IOException("Input/output error", 5);
            inner.Truncate(length);
        }

        public void Dispose() => inner.Dispose();
    }
}
