using System.Buffers.Binary;

namespace FarmGateway.Drivers.Linux;

/// <summary>
/// A sensor supply switched by a Pi GPIO through the GPIO character device (/dev/gpiochipN),
/// the interface the packaged unit allows (DeviceAllow=char-gpiochip, group gpio); the legacy
/// /sys/class/gpio is read-only there. High = powered. The line is claimed as an output, high,
/// when the switch is created and held until Dispose: released, it would float back to an
/// input and the sensor would lose power.
/// </summary>
public sealed class GpioPowerSwitch : IPowerSwitch
{
    /// <summary>The labels of the Pi's main GPIO controller: Pi 1-3 and Zero, Pi 4, Pi 5.</summary>
    public static readonly string[] PiControllerLabels = ["pinctrl-bcm2835", "pinctrl-bcm2711", "pinctrl-rp1"];

    private readonly int _gpio;
    private readonly string _devDirectory;
    private readonly Lock _gate = new();
    private int _lineFd = -1;

    /// <param name="gpio">BCM GPIO number; on every Pi it is the line offset on the main controller.</param>
    /// <param name="devDirectory">Where gpiochip devices are; /dev outside tests.</param>
    public GpioPowerSwitch(int gpio, string devDirectory = "/dev")
    {
        _gpio = gpio;
        _devDirectory = devDirectory;
        ClaimError = Claim();
    }

    /// <summary>Why the line could not be claimed at start (then the sensor may be unpowered); null when it was.</summary>
    public SensorError? ClaimError { get; private set; }

    public SensorError? SetPower(bool on)
    {
        lock (_gate)
        {
            if (_lineFd < 0 && (ClaimError = Claim()) is { } error) return error;
            var values = GpioLine.Values(on);
            return LibC.IoctlBuffer(_lineFd, GpioLine.SetValues, values) < 0
                ? Failed(SensorErrorKind.BusError, $"setting GPIO {_gpio} {(on ? "high" : "low")} failed", LibC.LastErrno)
                : null;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_lineFd >= 0) LibC.close(_lineFd);
            _lineFd = -1;
        }
    }

    private SensorError? Claim()
    {
        var chips = Directory.Exists(_devDirectory)
            ? Directory.GetFiles(_devDirectory, "gpiochip*").Order(StringComparer.Ordinal).ToList()
            : [];
        SensorError? firstError = null;
        foreach (var chip in chips)
        {
            var fd = LibC.Open(chip, LibC.ReadWrite);
            if (fd < 0)
            {
                firstError ??= OpenError(chip, LibC.LastErrno);
                continue;
            }
            try
            {
                var info = new byte[GpioLine.ChipInfoBytes];
                if (LibC.IoctlBuffer(fd, GpioLine.GetChipInfo, info) < 0 || !PiControllerLabels.Contains(GpioLine.Label(info))) continue;
                var request = GpioLine.OutputRequest(_gpio, high: true, consumer: "farm-gateway power");
                if (LibC.IoctlBuffer(fd, GpioLine.GetLine, request) < 0)
                {
                    var errno = LibC.LastErrno;
                    return errno == Errno.EBUSY
                        ? Failed(SensorErrorKind.Busy, $"GPIO {_gpio} is in use by something else (another program or an overlay); pick a free GPIO for PowerGpio", errno)
                        : Failed(SensorErrorKind.ProtocolError, $"claiming GPIO {_gpio} on {chip} as an output failed", errno);
                }
                _lineFd = BinaryPrimitives.ReadInt32LittleEndian(request.AsSpan(GpioLine.RequestFdAt));
                return null;
            }
            finally
            {
                LibC.close(fd); // the line request keeps its own descriptor
            }
        }
        return firstError ?? Failed(SensorErrorKind.NotPresent,
            $"no Raspberry Pi GPIO controller ({string.Join(", ", PiControllerLabels)}) among {_devDirectory}/gpiochip*: PowerGpio works only on a Pi");
    }

    private static SensorError OpenError(string chip, int errno) => errno is Errno.EACCES or Errno.EPERM
        ? Failed(SensorErrorKind.PermissionDenied,
            $"permission denied on {chip}: add the service user to the gpio group (the unit needs DeviceAllow=char-gpiochip rw)", errno)
        : Failed(SensorErrorKind.NotPresent, $"cannot open {chip}: {Errno.Describe(errno)}", errno);

    private static SensorError Failed(SensorErrorKind kind, string message, int errno = 0) => new(kind, message, errno);
}
