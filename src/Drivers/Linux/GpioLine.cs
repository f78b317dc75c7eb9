using System.Buffers.Binary;
using System.Text;

namespace FarmGateway.Drivers.Linux;

/// <summary>
/// The GPIO character device ABI v2 (include/uapi/linux/gpio.h): the structs as byte layouts and
/// the ioctl numbers. Pure, so the layout is tested without a GPIO chip. All fields are native
/// endian, little on every Pi OS (arm64) and on x64.
/// </summary>
internal static class GpioLine
{
    public const int ChipInfoBytes = 68;       // struct gpiochip_info: name[32], label[32], u32 lines
    public const int LineRequestBytes = 592;   // struct gpio_v2_line_request
    public const int LineValuesBytes = 16;     // struct gpio_v2_line_values: u64 bits, u64 mask

    public static readonly uint GetChipInfo = Ioctl(Read, 0x01, ChipInfoBytes);
    public static readonly uint GetLine = Ioctl(Read | Write, 0x07, LineRequestBytes);
    public static readonly uint SetValues = Ioctl(Read | Write, 0x0F, LineValuesBytes);

    private const uint Write = 1, Read = 2; // _IOC_WRITE, _IOC_READ
    private const uint GpioIoctlType = 0xB4;
    private const ulong FlagOutput = 1UL << 3;      // GPIO_V2_LINE_FLAG_OUTPUT
    private const uint AttributeOutputValues = 2;   // GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES
    private const int NameBytes = 32;               // GPIO_MAX_NAME_SIZE

    // Offsets inside struct gpio_v2_line_request.
    private const int ConsumerAt = 256;             // after u32 offsets[64]
    private const int ConfigFlagsAt = 288;          // struct gpio_v2_line_config
    private const int ConfigAttributeCountAt = 296;
    private const int FirstAttributeAt = 320;       // after u32 num_attrs, u32 padding[5]
    private const int LineCountAt = 560;            // after attrs[10] of 24 bytes
    public const int RequestFdAt = 588;

    /// <summary>_IOC(dir, 0xB4, nr, size) as asm-generic/ioctl.h builds it.</summary>
    public static uint Ioctl(uint direction, uint number, int size) =>
        direction << 30 | (uint)size << 16 | GpioIoctlType << 8 | number;

    /// <summary>A request for one line as an output starting at <paramref name="high"/>.</summary>
    public static byte[] OutputRequest(int line, bool high, string consumer)
    {
        var request = new byte[LineRequestBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(request, (uint)line);
        Encoding.ASCII.GetBytes(consumer.AsSpan(0, Math.Min(consumer.Length, NameBytes - 1)), request.AsSpan(ConsumerAt));
        BinaryPrimitives.WriteUInt64LittleEndian(request.AsSpan(ConfigFlagsAt), FlagOutput);
        // One attribute: the output value, so the line never glitches low while being claimed.
        BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(ConfigAttributeCountAt), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(FirstAttributeAt), AttributeOutputValues);
        BinaryPrimitives.WriteUInt64LittleEndian(request.AsSpan(FirstAttributeAt + 8), high ? 1UL : 0UL);
        BinaryPrimitives.WriteUInt64LittleEndian(request.AsSpan(FirstAttributeAt + 16), 1); // mask: line 0 of the request
        BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(LineCountAt), 1);
        return request;
    }

    public static byte[] Values(bool high)
    {
        var values = new byte[LineValuesBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(values, high ? 1UL : 0UL);
        BinaryPrimitives.WriteUInt64LittleEndian(values.AsSpan(8), 1);
        return values;
    }

    /// <summary>The label of a struct gpiochip_info, e.g. "pinctrl-bcm2711".</summary>
    public static string Label(ReadOnlySpan<byte> chipInfo)
    {
        var label = chipInfo.Slice(NameBytes, NameBytes);
        var end = label.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? label : label[..end]);
    }
}
