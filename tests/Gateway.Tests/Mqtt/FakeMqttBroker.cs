using System.Net;
using System.Net.Sockets;
using FarmGateway.Mqtt.Packets;

namespace FarmGateway.Tests.Mqtt;

/// <summary>
/// A scripted MQTT server on a loopback port: the test accepts each connection, reads what the
/// client sent as raw (type, flags, body) and answers with exact bytes, so client behaviour that a
/// real broker hides (DUP on resend, when PUBACK goes out, a silent broker) can be checked.
/// </summary>
internal sealed class FakeMqttBroker : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<FakeMqttSession> _sessions = [];

    public FakeMqttBroker() => _listener.Start();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Accepts the next connection and reads its CONNECT.</summary>
    public async Task<FakeMqttSession> AcceptAsync(TimeSpan timeout)
    {
        var socket = await _listener.AcceptSocketAsync().WaitAsync(timeout);
        var session = new FakeMqttSession(socket);
        _sessions.Add(session);
        var connect = await session.ReadAsync(timeout);
        Assert.Equal(MqttPacketType.Connect, connect.Type);
        return session;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var session in _sessions) session.Dispose();
        _listener.Stop();
        await Task.CompletedTask;
    }
}

internal sealed record FakeMqttPacket(MqttPacketType Type, int Flags, byte[] Body)
{
    public ushort PacketIdAt(int offset) => (ushort)((Body[offset] << 8) | Body[offset + 1]);
}

internal sealed class FakeMqttSession(Socket socket) : IDisposable
{
    private readonly NetworkStream _stream = new(socket, ownsSocket: true);

    public async Task<FakeMqttPacket> ReadAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var header = await ReadExactlyAsync(1, cancel.Token);
        var length = 0;
        var multiplier = 1;
        byte digit;
        do
        {
            digit = (await ReadExactlyAsync(1, cancel.Token))[0];
            length += (digit & 0x7F) * multiplier;
            multiplier *= 128;
        }
        while ((digit & 0x80) != 0);
        var body = await ReadExactlyAsync(length, cancel.Token);
        return new FakeMqttPacket((MqttPacketType)(header[0] >> 4), header[0] & 0x0F, body);
    }

    public async Task SendAsync(string hex) => await _stream.WriteAsync(Convert.FromHexString(hex.Replace(" ", "")));

    public void Dispose() => _stream.Dispose();

    private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        await _stream.ReadExactlyAsync(buffer, cancellationToken);
        return buffer;
    }
}
