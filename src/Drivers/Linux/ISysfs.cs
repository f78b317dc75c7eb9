namespace FarmGateway.Drivers.Linux;

/// <summary>
/// The sysfs files drivers read and write. Attribute reads can fail with an errno that plain
/// files never give (the kernel dht11 driver answers EIO, ETIMEDOUT or EAGAIN), so this seam
/// keeps the errno and tests can inject it.
/// </summary>
public interface ISysfs
{
    /// <summary>Reads a small attribute file whole, trailing newline removed.</summary>
    SysfsResult ReadText(string path);

    /// <summary>Reads a binary attribute whole, e.g. a device-tree property (of_node/gpios); null when it cannot be read.</summary>
    byte[]? ReadBytes(string path);

    /// <summary>Names of the entries in a directory; empty when it does not exist.</summary>
    IReadOnlyList<string> List(string directory);

    bool Exists(string path);
}

/// <summary>The text of an attribute, or the errno that reading it gave (ENOENT when missing).</summary>
public readonly record struct SysfsResult(string? Text, int Errno)
{
    public bool Ok => Errno == 0;

    public static SysfsResult Success(string text) => new(text, 0);
    public static SysfsResult Error(int errno) => new(null, errno);
}
