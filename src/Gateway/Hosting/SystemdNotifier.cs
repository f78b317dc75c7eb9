using System.Net.Sockets;
using System.Text;

namespace FarmGateway.Hosting;

/// <summary>Sends sd_notify(3) messages to systemd; does nothing when not started by systemd.</summary>
public interface ISystemdNotifier
{
    bool IsEnabled { get; }

    /// <summary>Sends one or more newline-separated assignments, e.g. "READY=1\nSTATUS=ok".</summary>
    void Notify(string state);
}

/// <summary>
/// The notify protocol written by us (Microsoft.Extensions.Hosting.Systemd is not available):
/// one datagram per message to the AF_UNIX socket in $NOTIFY_SOCKET; a leading '@' names an
/// abstract socket. A failed send is ignored, because systemd's watchdog is the judge.
/// </summary>
public sealed class SystemdNotifier : ISystemdNotifier, IDisposable
{
    public const string SocketVariable = "NOTIFY_SOCKET";

    private readonly UnixDomainSocketEndPoint? _endpoint;
    private readonly Socket? _socket;
    private readonly Lock _gate = new();

    public SystemdNotifier(string? socketPath)
    {
        if (string.IsNullOrEmpty(socketPath)) return;
        _endpoint = new UnixDomainSocketEndPoint(socketPath[0] == '@' ? "\0" + socketPath[1..] : socketPath);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    public static SystemdNotifier FromEnvironment() => new(Environment.GetEnvironmentVariable(SocketVariable));

    public bool IsEnabled => _socket is not null;

    public void Notify(string state)
    {
        if (_socket is null) return;
        var payload = Encoding.UTF8.GetBytes(state);
        lock (_gate)
        {
            try
            {
                _socket.SendTo(payload, _endpoint!);
            }
            catch (SocketException)
            {
                // systemd went away or the socket is gone; nothing useful to do.
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    public void Dispose() => _socket?.Dispose();
}
