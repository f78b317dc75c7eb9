namespace FarmGateway.Drivers.Linux;

/// <summary>The kernel's i2c-dev interface (Documentation/i2c/dev-interface.rst): open, ioctl(I2C_SLAVE), read, write.</summary>
public sealed class LinuxI2cBus : II2cBus
{
    public static LinuxI2cBus Instance { get; } = new();

    // linux/i2c-dev.h
    private const uint I2cSlave = 0x0703;

    public I2cOpenResult Open(int bus, int address)
    {
        var path = $"/dev/i2c-{bus}";
        var fd = LibC.Open(path, LibC.ReadWrite);
        if (fd < 0) return new(null, LibC.LastErrno, path);
        if (LibC.IoctlValue(fd, I2cSlave, address) < 0)
        {
            var errno = LibC.LastErrno;
            LibC.close(fd);
            return new(null, errno, path);
        }
        return new(new Device(fd), 0, path);
    }

    // Transfers and close share a lock: a transfer never runs on a descriptor number that was
    // closed and handed to some other file meanwhile.
    private sealed class Device(int fd) : II2cDevice
    {
        private readonly Lock _gate = new();
        private int _fd = fd;

        public int Write(ReadOnlySpan<byte> data)
        {
            lock (_gate)
            {
                if (_fd < 0) return Errno.EBADF;
                var n = LibC.Write(_fd, data);
                return n < 0 ? LibC.LastErrno : n == data.Length ? 0 : Errno.EIO;
            }
        }

        public int Read(Span<byte> buffer)
        {
            lock (_gate)
            {
                if (_fd < 0) return Errno.EBADF;
                var n = LibC.Read(_fd, buffer);
                return n < 0 ? LibC.LastErrno : n == buffer.Length ? 0 : Errno.EIO;
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                if (_fd >= 0) LibC.close(_fd);
                _fd = -1;
            }
        }
    }
}
