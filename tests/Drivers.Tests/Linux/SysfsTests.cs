using FarmGateway.Drivers.Linux;

namespace FarmGateway.Drivers.Tests.Linux;

public sealed class SysfsTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void ReadText_AttributeWithNewline_ReturnsTextWithoutIt()
    {
        var path = _directory.Combine("in_temp_input");
        File.WriteAllText(path, "-12300\n");

        var result = Sysfs.Instance.ReadText(path);

        Assert.True(result.Ok);
        Assert.Equal("-12300", result.Text);
    }

    [Fact]
    public void ReadText_MissingFile_ReturnsEnoent()
    {
        var result = Sysfs.Instance.ReadText(_directory.Combine("missing"));

        Assert.False(result.Ok);
        Assert.Equal(2, result.Errno);
        Assert.Null(result.Text);
    }

    [Fact]
    public void ReadBytes_DeviceTreeProperty_ReturnsEveryByteIncludingHighAndZeroBytes()
    {
        // gpios = <0x1f8 17 0>: a phandle byte >= 0x80 and trailing zero flags, which text would mangle.
        byte[] property = [0x00, 0x00, 0x81, 0xf8, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00, 0x00];
        var path = _directory.Combine("gpios");
        File.WriteAllBytes(path, property);

        Assert.Equal(property, Sysfs.Instance.ReadBytes(path));
        Assert.Null(Sysfs.Instance.ReadBytes(_directory.Combine("missing")));
    }

    [Fact]
    public void List_Directory_ReturnsNamesInOrdinalOrder()
    {
        Directory.CreateDirectory(_directory.Combine("iio:device1"));
        Directory.CreateDirectory(_directory.Combine("iio:device0"));
        File.WriteAllText(_directory.Combine("trigger0"), "");

        Assert.Equal(["iio:device0", "iio:device1", "trigger0"], Sysfs.Instance.List(_directory.Path));
    }

    [Fact]
    public void List_MissingDirectory_ReturnsEmpty()
    {
        Assert.Empty(Sysfs.Instance.List(_directory.Combine("nope")));
    }

    [Fact]
    public void Exists_FileAndMissing_TellsThemApart()
    {
        File.WriteAllText(_directory.Combine("name"), "dht11@4\n");

        Assert.True(Sysfs.Instance.Exists(_directory.Combine("name")));
        Assert.False(Sysfs.Instance.Exists(_directory.Combine("nope")));
    }
}
