using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FarmGateway.IntegrationTests.Testing;

/// <summary>
/// A real mosquitto broker (Debian's 2.0.11, installed by scripts/setup-test-deps) as a child
/// process with a generated config in its own temp folder, listening on three free 127.0.0.1 ports:
/// <list type="bullet">
/// <item><see cref="PlainPort"/>: plain TCP, anonymous clients allowed.</item>
/// <item><see cref="TlsPort"/>: TLS with a client certificate required, signed by
/// <see cref="TestCertificates.CaFile"/>; the certificate's CN is the username.</item>
/// <item><see cref="PasswordPort"/>: plain TCP, only <see cref="Username"/>/<see cref="Password"/>.</item>
/// </list>
/// With persistence on, the database is written after every <c>autosaveAfterChanges</c> changes
/// (default: every change) and on <see cref="StopAsync"/>; a <see cref="KillAsync"/> crash keeps
/// what <see cref="WaitUntilPersistedAsync"/> saw written, as a real broker keeps its last autosave.
/// The mosquitto_sub/mosquitto_pub helpers are independent MQTT peers on <see cref="PlainPort"/>.
/// Every process started here is killed on dispose, and by a guard process if the test process dies.
/// </summary>
public sealed class Mosquitto : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private const int DiagnosticLogLines = 200;

    private readonly TempDirectory _directory;
    private readonly List<MosquittoSubscriber> _subscribers = [];
    private readonly Lock _gate = new();
    private readonly StringBuilder _earlierOutput = new();
    private ChildProcess? _process;

    private Mosquitto(TempDirectory directory, int[] ports, string password)
    {
        _directory = directory;
        (PlainPort, TlsPort, PasswordPort) = (ports[0], ports[1], ports[2]);
        Password = password;
    }

    /// <summary>Plain MQTT, anonymous allowed.</summary>
    public int PlainPort { get; }

    /// <summary>MQTT over TLS; a client certificate from <see cref="TestCertificates.CaFile"/>'s CA is required.</summary>
    public int TlsPort { get; }

    /// <summary>Plain MQTT, only <see cref="Username"/> with <see cref="Password"/>.</summary>
    public int PasswordPort { get; }

    public string Username => "farm-gateway";

    /// <summary>Generated per broker.</summary>
    public string Password { get; }

    public TestCertificates Certificates => TestCertificates.Shared;

    public string ConfigFile => _directory.Combine("mosquitto.conf");

    /// <summary>The persistence database (written atomically: mosquitto renames a finished .new file onto it).</summary>
    public string PersistenceFile => _directory.Combine("persistence", "mosquitto.db");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>mosquitto's log (log_type all, every run of this broker), for failure messages.</summary>
    public string Log
    {
        get
        {
            try
            {
                using var stream = new FileStream(_directory.Combine("mosquitto.log"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                return new StreamReader(stream).ReadToEnd();
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return "";
            }
        }
    }

    /// <summary>The log's end plus what the process printed (config errors go to stderr before the log opens).</summary>
    public string Diagnostics =>
        $"--- mosquitto.log (last {DiagnosticLogLines} lines)\n{string.Join('\n', Log.Split('\n').TakeLast(DiagnosticLogLines))}--- mosquitto output\n{_earlierOutput}{_process?.Output}";

    /// <param name="persistence">Keep persistent sessions, their queued QoS 1/2 messages and retained messages across restarts.</param>
    /// <param name="maxQueuedMessages">mosquitto's max_queued_messages: per client, beyond the in-flight window; the rest is dropped silently.</param>
    /// <param name="autosaveAfterChanges">
    /// Write the database after this many changes (autosave_on_changes). 1 makes a crash lose nothing
    /// persisted; raise it for bursts of many thousand messages, as every save rewrites and fsyncs the database.
    /// </param>
    public static async Task<Mosquitto> StartAsync(bool persistence = true, int maxQueuedMessages = 1000, int autosaveAfterChanges = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxQueuedMessages);
        ArgumentOutOfRangeException.ThrowIfLessThan(autosaveAfterChanges, 1);
        var certificates = TestCertificates.Shared;
        var directory = new TempDirectory();
        var mosquitto = new Mosquitto(directory, FreePorts(3), Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(directory.Combine("persistence"));
            var passwordFile = directory.Combine("passwords");
            await RunClientAsync("mosquitto_passwd", ["-b", "-c", passwordFile, mosquitto.Username, mosquitto.Password], check: true);
            await File.WriteAllTextAsync(mosquitto.ConfigFile, mosquitto.Config(persistence, maxQueuedMessages, autosaveAfterChanges, passwordFile, certificates));
            await mosquitto.LaunchAsync();
            return mosquitto;
        }
        catch
        {
            await mosquitto.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL, like a crash or a power cut: nothing is saved beyond the last autosave.</summary>
    public async Task KillAsync()
    {
        if (_process is not { } process) return;
        await process.DisposeAsync();
        Forget(process);
    }

    /// <summary>SIGTERM and wait for the exit: mosquitto saves its database on the way out.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process) return;
        try
        {
            if (!await process.TerminateAsync(StopTimeout))
                throw new TimeoutException($"mosquitto did not exit within {StopTimeout.TotalSeconds} s of SIGTERM: {process.Output}");
        }
        finally
        {
            await process.DisposeAsync();
            Forget(process);
        }
    }

    /// <summary>Starts the broker again on the same ports, config and persistence database (stopping it first with SIGTERM if it runs).</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await LaunchAsync();
    }

    /// <summary>Waits until the persistence database holds these bytes (a queued or retained payload), so a <see cref="KillAsync"/> keeps it.</summary>
    public async Task WaitUntilPersistedAsync(string payload, TimeSpan? timeout = null)
    {
        var bytes = Encoding.UTF8.GetBytes(payload);
        await Eventually.True(() => PersistenceFileContains(bytes), $"mosquitto to persist \"{payload}\"", timeout ?? StartTimeout, () => Diagnostics);
    }

    /// <summary>
    /// mosquitto_sub on <see cref="PlainPort"/> until <paramref name="count"/> messages arrived or the
    /// timeout (whole seconds, rounded up) passed; returns the lines "topic payload" that arrived.
    /// Use it for what is already there (retained, queued for a persistent session); to receive what a
    /// test publishes next, use <see cref="StartSubscriberAsync"/>, which returns once subscribed.
    /// </summary>
    /// <param name="clientId">Required when <paramref name="cleanSession"/> is false.</param>
    public async Task<IReadOnlyList<string>> SubscribeAsync(
        string topic, int count, TimeSpan timeout, int qos = 1, bool retainedOnly = false, string? clientId = null, bool cleanSession = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var seconds = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds));
        var arguments = SubscribeArguments(topic, qos, clientId, cleanSession);
        arguments.AddRange(["-C", count.ToString(CultureInfo.InvariantCulture), "-W", seconds.ToString(CultureInfo.InvariantCulture)]);
        if (retainedOnly) arguments.Add("--retained-only");
        var result = await RunClientAsync("mosquitto_sub", arguments, timeout: TimeSpan.FromSeconds(seconds) + StartTimeout);
        // 27: mosquitto_sub's exit code when -W ran out; what arrived until then is still the answer.
        if (result.ExitCode is not (0 or 27))
            throw new InvalidOperationException($"mosquitto_sub {string.Join(' ', arguments)} failed: {result}\n{Diagnostics}");
        return result.Lines;
    }

    /// <summary>
    /// A mosquitto_sub on <see cref="PlainPort"/> that keeps running until disposed (or the fixture is);
    /// returns once the broker sent its SUBACK, so anything published afterwards reaches it.
    /// </summary>
    /// <param name="clientId">Generated if null; required to resume a session when <paramref name="cleanSession"/> is false.</param>
    public async Task<MosquittoSubscriber> StartSubscriberAsync(string topic, int qos = 1, string? clientId = null, bool cleanSession = true)
    {
        clientId ??= "sub-" + Guid.NewGuid().ToString("N")[..12];
        // -d: mosquitto_sub reports its own SUBACK on stdout, as lines "Client <id> ..." that
        // MosquittoSubscriber keeps apart from the messages. It flushes messages but not those:
        // stdbuf makes stdout line-buffered.
        var process = ChildProcess.Start("stdbuf", ["-oL", "mosquitto_sub", .. SubscribeArguments(topic, qos, clientId, cleanSession), "-d"], captureLines: true);
        var subscriber = new MosquittoSubscriber(clientId, process);
        lock (_gate) _subscribers.Add(subscriber);
        try
        {
            await Eventually.True(() => subscriber.Subscribed || process.HasExited,
                $"mosquitto_sub {clientId} to be subscribed to {topic}", StartTimeout, () => $"{process.Output}\n{Diagnostics}");
            if (process.HasExited)
                throw new InvalidOperationException($"mosquitto_sub {clientId} exited ({process.ExitCode}): {process.Output}\n{Diagnostics}");
        }
        catch
        {
            await subscriber.DisposeAsync();
            throw;
        }
        return subscriber;
    }

    /// <summary>One message through mosquitto_pub on <see cref="PlainPort"/>; returns after the broker took it (PUBACK for QoS 1).</summary>
    public async Task PublishAsync(string topic, string payload, int qos = 1, bool retain = false)
    {
        List<string> arguments = ["-h", "127.0.0.1", "-p", Port(PlainPort), "-t", topic, "-m", payload, "-q", qos.ToString(CultureInfo.InvariantCulture)];
        if (retain) arguments.Add("-r");
        await RunClientAsync("mosquitto_pub", arguments, check: true);
    }

    /// <summary>Many messages over one connection (mosquitto_pub -l, one line each); payloads must be non-empty single lines.</summary>
    public async Task PublishManyAsync(string topic, IEnumerable<string> payloads, int qos)
    {
        var input = new StringBuilder();
        foreach (var payload in payloads)
        {
            if (payload.Length == 0 || payload.Contains('\n') || payload.Contains('\r'))
                throw new ArgumentException($"mosquitto_pub -l sends one message per non-empty line; cannot send \"{payload}\"", nameof(payloads));
            input.Append(payload).Append('\n');
        }
        await RunClientAsync("mosquitto_pub", ["-h", "127.0.0.1", "-p", Port(PlainPort), "-t", topic, "-q", qos.ToString(CultureInfo.InvariantCulture), "-l"],
            standardInput: input.ToString(), timeout: TimeSpan.FromMinutes(2), check: true);
    }

    /// <summary>
    /// Runs a mosquitto command-line tool (or any program) to its end and returns its exit code and
    /// output; killed after the timeout (default 30 s). With check, a non-zero exit code throws.
    /// </summary>
    public static async Task<MosquittoClientResult> RunClientAsync(
        string program, IEnumerable<string> arguments, string? standardInput = null, TimeSpan? timeout = null, bool check = false)
    {
        var argumentList = arguments.ToList();
        await using var process = ChildProcess.Start(program, argumentList, captureLines: true, guard: false, standardInput: standardInput);
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        if (!await process.WaitForExitAsync(limit))
            throw new TimeoutException($"{program} {string.Join(' ', argumentList)} did not finish within {limit.TotalSeconds} s: {process.Output}");
        var result = new MosquittoClientResult(process.ExitCode, process.Lines, process.Errors);
        if (check && result.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', argumentList)} failed: {result}");
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        MosquittoSubscriber[] subscribers;
        lock (_gate) subscribers = [.. _subscribers];
        foreach (var subscriber in subscribers) await subscriber.DisposeAsync();
        await KillAsync();
        _directory.Dispose();
    }

    private void Forget(ChildProcess process)
    {
        _earlierOutput.Append(process.Output);
        _process = null;
    }

    private async Task LaunchAsync()
    {
        var process = ChildProcess.Start("mosquitto", ["-c", ConfigFile], captureLines: false);
        _process = process;
        var deadline = DateTime.UtcNow + StartTimeout;
        foreach (var port in (int[])[PlainPort, TlsPort, PasswordPort])
        {
            while (!await AcceptsAsync(port))
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"mosquitto exited ({process.ExitCode}) while starting:\n{Diagnostics}");
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"mosquitto did not listen on port {port} within {StartTimeout.TotalSeconds} s:\n{Diagnostics}");
                await Task.Delay(20);
            }
        }
    }

    private string Config(bool persistence, int maxQueuedMessages, int autosaveAfterChanges, string passwordFile, TestCertificates certificates) => $"""
        # Generated by FarmGateway.IntegrationTests.Testing.Mosquitto.
        # mosquitto 2.0 keeps authentication per listener only with this on.
        per_listener_settings true
        # Started as root, mosquitto would switch to the user "mosquitto", who cannot read this folder.
        user {Environment.UserName}
        persistence {(persistence ? "true" : "false")}
        persistence_location {_directory.Combine("persistence")}/
        autosave_on_changes true
        autosave_interval {autosaveAfterChanges}
        max_queued_messages {maxQueuedMessages}
        log_dest file {_directory.Combine("mosquitto.log")}
        log_type all
        connection_messages true

        listener {PlainPort} 127.0.0.1
        allow_anonymous true

        listener {TlsPort} 127.0.0.1
        allow_anonymous false
        cafile {certificates.CaFile}
        certfile {certificates.ServerCertFile}
        keyfile {certificates.ServerKeyFile}
        require_certificate true
        use_identity_as_username true

        listener {PasswordPort} 127.0.0.1
        allow_anonymous false
        password_file {passwordFile}

        """;

    private List<string> SubscribeArguments(string topic, int qos, string? clientId, bool cleanSession)
    {
        if (!cleanSession && clientId is null)
            throw new ArgumentException("a persistent session (cleanSession: false) needs a client id", nameof(clientId));
        List<string> arguments = ["-h", "127.0.0.1", "-p", Port(PlainPort), "-t", topic, "-q", qos.ToString(CultureInfo.InvariantCulture), "-v"];
        if (clientId is not null) arguments.AddRange(["-i", clientId]);
        if (!cleanSession) arguments.Add("-c");
        return arguments;
    }

    private bool PersistenceFileContains(byte[] bytes)
    {
        try
        {
            return File.ReadAllBytes(PersistenceFile).AsSpan().IndexOf(bytes) >= 0;
        }
        catch (Exception e) when (e is FileNotFoundException or IOException)
        {
            return false;
        }
    }

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

    /// <summary>Distinct free loopback ports: all are held open together, so none repeats.</summary>
    internal static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var listener in listeners) listener.Start();
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners) listener.Stop();
        }
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A running mosquitto_sub -v: every line "topic payload" it printed so far.</summary>
public sealed class MosquittoSubscriber : IAsyncDisposable
{
    private readonly ChildProcess _process;

    internal MosquittoSubscriber(string clientId, ChildProcess process)
    {
        ClientId = clientId;
        _process = process;
    }

    public string ClientId { get; }

    /// <summary>A snapshot of the lines received so far, "topic payload" each.</summary>
    public IReadOnlyList<string> Lines => [.. _process.Lines.Where(l => !IsDebug(l))];

    /// <summary>mosquitto_sub's own debug lines (-d): CONNACK, SUBACK, PUBLISH received, PUBACK sent, pings.</summary>
    public IReadOnlyList<string> DebugLines => [.. _process.Lines.Where(IsDebug)];

    internal bool Subscribed => _process.Lines.Any(l => IsDebug(l) && l.EndsWith(" received SUBACK", StringComparison.Ordinal));

    /// <summary>What mosquitto_sub printed on stderr (connection errors).</summary>
    public string Errors => _process.Errors;

    public bool HasExited => _process.HasExited;

    /// <summary>Waits until at least <paramref name="count"/> lines arrived; fails the test with what did otherwise.</summary>
    public async Task<IReadOnlyList<string>> WaitForCountAsync(int count, TimeSpan timeout)
    {
        await Eventually.True(() => Lines.Count >= count, $"{count} messages at mosquitto_sub {ClientId}", timeout,
            () => $"got {Lines.Count}: {string.Join('\n', _process.Lines.TakeLast(40))}\n{Errors}");
        return Lines;
    }

    // -d prints "Client <id> received SUBACK" and then "Subscribed (mid: 1): <granted QoS>".
    private bool IsDebug(string line) =>
        line.StartsWith($"Client {ClientId} ", StringComparison.Ordinal) || line.StartsWith("Subscribed (mid: ", StringComparison.Ordinal);

    /// <summary>Kills mosquitto_sub: the broker sees a dropped connection (a persistent session stays).</summary>
    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

/// <param name="Lines">Standard output, line by line.</param>
/// <param name="Errors">Standard error.</param>
public sealed record MosquittoClientResult(int ExitCode, IReadOnlyList<string> Lines, string Errors)
{
    public override string ToString() => $"exit code {ExitCode}; stdout: {string.Join('\n', Lines)}; stderr: {Errors}";
}

/// <summary>
/// <c>openssl s_server -alpn</c> on a free 127.0.0.1 port with <see cref="TestCertificates"/>' server
/// certificate (-www, so it answers an HTTP GET and keeps accepting). mosquitto ignores ALPN, so this
/// is where a client's ALPN is checked: a TLS handshake with it succeeds with
/// <see cref="Protocol"/> negotiated only if the client offered it (openssl fails the handshake when
/// the client offers other protocols only; a client offering none gets no ALPN). It proves what the
/// client sends in its ClientHello and that it accepts the server's choice; it says nothing about MQTT.
/// </summary>
public sealed class AlpnServer : IAsyncDisposable
{
    /// <summary>What AWS IoT Core expects for MQTT with a client certificate on port 443.</summary>
    public const string AwsIotMqttProtocol = "x-amzn-mqtt-ca";

    private const string AdvertisedPrefix = "ALPN protocols advertised by the client: ";
    private const string SelectedPrefix = "ALPN protocols selected: ";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly ChildProcess _process;

    private AlpnServer(ChildProcess process, int port, string protocol)
    {
        _process = process;
        Port = port;
        Protocol = protocol;
    }

    public int Port { get; }

    /// <summary>The one protocol the server accepts.</summary>
    public string Protocol { get; }

    public TestCertificates Certificates => TestCertificates.Shared;

    /// <summary>What s_server printed (stdout then stderr).</summary>
    public string Output => _process.Output;

    /// <summary>Per handshake that offered ALPN, the protocols offered, in the client's order (a handshake without ALPN leaves no entry).</summary>
    public IReadOnlyList<IReadOnlyList<string>> AdvertisedByClients =>
        [.. _process.Lines.Where(l => l.StartsWith(AdvertisedPrefix, StringComparison.Ordinal))
            .Select(l => (IReadOnlyList<string>)l[AdvertisedPrefix.Length..].Split(", ", StringSplitOptions.RemoveEmptyEntries))];

    /// <summary>Per successful negotiation, the protocol the server selected.</summary>
    public IReadOnlyList<string> Selected =>
        [.. _process.Lines.Where(l => l.StartsWith(SelectedPrefix, StringComparison.Ordinal)).Select(l => l[SelectedPrefix.Length..])];

    public static async Task<AlpnServer> StartAsync(string protocol = AwsIotMqttProtocol)
    {
        var certificates = TestCertificates.Shared;
        var port = Mosquitto.FreePorts(1)[0];
        // stdbuf: s_server writes through stdio, which buffers a pipe until exit; line buffering lets
        // the test see each handshake's ALPN line as it happens.
        var process = ChildProcess.Start("stdbuf", [
            "-oL", "openssl", "s_server", "-accept", $"127.0.0.1:{port}",
            "-cert", certificates.ServerCertFile, "-key", certificates.ServerKeyFile, "-alpn", protocol, "-www",
        ], captureLines: true);
        var server = new AlpnServer(process, port, protocol);
        try
        {
            await Eventually.True(() => process.Lines.Contains("ACCEPT") || process.HasExited, "openssl s_server to accept", StartTimeout, () => process.Output);
            if (process.HasExited) throw new InvalidOperationException($"openssl s_server exited ({process.ExitCode}): {process.Output}");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
