using System.Globalization;
using System.Net;
using System.Net.Sockets;
using FarmGateway.Bench;
using FarmGateway.Testing;

namespace FarmGateway.MqttIngestBench;

/// <summary>
/// mosquitto on a free 127.0.0.1 port with a generated config in the phase's folder: anonymous,
/// persistence off (nothing on disk on the broker's side, so the broker's work is the same in
/// both phases), the given max_inflight_messages and max_queued_messages, and only errors,
/// warnings and connection notices logged (to a file), never a line per message.
/// </summary>
internal sealed class Broker : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly ChildProcess _process;

    private Broker(ChildProcess process, int port, string logFile)
    {
        _process = process;
        Port = port;
        LogFile = logFile;
    }

    public int Port { get; }

    public string LogFile { get; }

    public int ProcessId => _process.Id;

    public TimeSpan CpuTime() => ProcStat.CpuTime(_process.Id);

    public static string Config(int port, string logFile, BenchOptions options) => string.Create(CultureInfo.InvariantCulture, $"""
        listener {port} 127.0.0.1
        allow_anonymous true
        persistence false
        max_inflight_messages {options.MaxInflight}
        max_queued_messages {options.MaxQueued}
        log_dest file {logFile}
        log_type error
        log_type warning
        log_type notice
        connection_messages true

        """);

    public static async Task<Broker> StartAsync(string directory, BenchOptions options)
    {
        var port = FreePort();
        var logFile = Path.Combine(directory, "mosquitto.log");
        var configFile = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(configFile, Config(port, logFile, options));
        var process = ChildProcess.Start("mosquitto", ["-c", configFile]);
        var broker = new Broker(process, port, logFile);
        try
        {
            var deadline = DateTime.UtcNow + StartTimeout;
            while (!await AcceptsAsync(port))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                    throw new InvalidOperationException($"mosquitto did not start on port {port}: {process.Output}\n{broker.Log}");
                await Task.Delay(20);
            }
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
        return broker;
    }

    public string Log
    {
        get
        {
            try
            {
                using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                return new StreamReader(stream).ReadToEnd();
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return "";
            }
        }
    }

    /// <summary>mosquitto's first line of -h, e.g. "mosquitto version 2.0.11".</summary>
    public static async Task<string> VersionAsync()
    {
        await using var help = ChildProcess.Start("mosquitto", ["-h"], guard: false);
        await help.WaitForExitAsync(TimeSpan.FromSeconds(10));
        return help.Lines.FirstOrDefault(l => l.Contains("version", StringComparison.Ordinal))?.Trim() ?? "mosquitto (version unknown)";
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(1));
            return true;
        }
        catch (Exception e) when (e is SocketException or TimeoutException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
