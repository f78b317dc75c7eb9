using System.Buffers.Binary;
using System.Text;
using FarmGateway.Drivers.Linux;

namespace FarmGateway.Drivers.Tests.Linux;

/// <summary>
/// The GPIO character device structs checked field by field against include/uapi/linux/gpio.h
/// (no GPIO chip exists on a build machine, so the layout is what can be proven here).
/// </summary>
public sealed class GpioLineTests
{
    [Fact]
    public void IoctlNumbers_MatchTheKernelHeader()
    {
        // _IOR(0xB4, 0x01, struct gpiochip_info), _IOWR(0xB4, 0x07, struct gpio_v2_line_request),
        // _IOWR(0xB4, 0x0F, struct gpio_v2_line_values), as libgpiod and strace print them.
        Assert.Equal(0x8044B401u, GpioLine.GetChipInfo);
        Assert.Equal(0xC250B407u, GpioLine.GetLine);
        Assert.Equal(0xC010B40Fu, GpioLine.SetValues);
    }

    [Fact]
    public void OutputRequest_ClaimsOneLineAsOutputStartingHigh()
    {
        var request = GpioLine.OutputRequest(17, high: true, consumer: "farm-gateway power");

        Assert.Equal(592, request.Length);
        Assert.Equal(17u, U32(request, 0));                                       // offsets[0]
        Assert.Equal("farm-gateway power", Encoding.ASCII.GetString(request, 256, 32).TrimEnd('\0'));
        Assert.Equal(1UL << 3, U64(request, 256 + 32));                            // config.flags = OUTPUT
        Assert.Equal(1u, U32(request, 256 + 32 + 8));                              // config.num_attrs
        var attribute = 256 + 32 + 8 + 4 + 20;                                    // after padding[5]
        Assert.Equal(2u, U32(request, attribute));                                 // id = OUTPUT_VALUES
        Assert.Equal(1UL, U64(request, attribute + 8));                            // values: high
        Assert.Equal(1UL, U64(request, attribute + 16));                           // mask: line 0
        var afterConfig = 256 + 32 + 272;
        Assert.Equal(1u, U32(request, afterConfig));                               // num_lines
        Assert.Equal(GpioLine.RequestFdAt, afterConfig + 4 + 4 + 20);              // fd after event_buffer_size, padding[5]
        Assert.Equal(0UL, U64(GpioLine.OutputRequest(17, high: false, consumer: "x"), attribute + 8));
    }

    [Fact]
    public void Values_SetLineZeroOfTheRequest()
    {
        Assert.Equal((1UL, 1UL), (U64(GpioLine.Values(true), 0), U64(GpioLine.Values(true), 8)));
        Assert.Equal((0UL, 1UL), (U64(GpioLine.Values(false), 0), U64(GpioLine.Values(false), 8)));
    }

    [Fact]
    public void Label_IsTheSecondNameField()
    {
        var info = new byte[68];
        Encoding.ASCII.GetBytes("gpiochip0", info);
        Encoding.ASCII.GetBytes("pinctrl-bcm2711", info.AsSpan(32));

        Assert.Equal("pinctrl-bcm2711", GpioLine.Label(info));
    }

    [Fact]
    public void PowerSwitch_OnAMachineWithoutPiGpio_SaysPowerGpioNeedsAPi_AndDoesNotThrow()
    {
        using var dir = new TempDirectory();
        using var power = new GpioPowerSwitch(17, dir.Path);

        Assert.Equal(SensorErrorKind.NotPresent, power.ClaimError?.Kind);
        Assert.Contains("PowerGpio works only on a Pi", power.ClaimError?.Message);
        Assert.Equal(SensorErrorKind.NotPresent, power.SetPower(false)?.Kind);
    }

    private static uint U32(byte[] b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at));
    private static ulong U64(byte[] b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at));
}
