using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FarmGateway.IntegrationTests.Testing;

namespace FarmGateway.IntegrationTests.Hosting;

/// <summary>The gateway as technicians and systemd meet it: a real process, real files, real signals.</summary>
public sealed partial class GatewayProcessTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Outbox => _dir.Combine("data", "outbox");

    /// <summary>The embedded default with the data folder in the test's temp folder and fast sensors.</summary>
    private string[] Args(params string[] more) =>
    [
        $"--Gateway:DataDirectory={_dir.Combine("data")}",
        "--Gateway:Id=test-barn",
        "--Gateway:Sensors:0:Interval=00:00:00.050",
        "--Gateway:Sensors:1:Interval=00:00:00.100",
        .. more,
    ];

    private string[] OutboxLines() =>
        Directory.Exists(Outbox)
            ? Directory.GetFiles(Outbox).Order().SelectMany(ReadShared).ToArray()
            : [];

    private static string[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task Run_EmbeddedDefault_WritesSchemaValidRecordsAndStopsCleanlyOnSignal(string signal)
    {
        using var gateway = GatewayProcess.Start(Args());

        await Eventually.True(() => OutboxLines().Length >= 20, "20 records in the outbox", context: () => gateway.Stdout + gateway.Stderr);
        gateway.Signal(signal);
        var exitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, exitCode);
        Assert.Empty(Directory.GetFiles(Outbox, "*.part"));
        var lines = OutboxLines();
        var schema = JsonSchemaValidator.FromFile(Path.Combine(RepositoryRoot.Path, "docs", "record-schema.v1.json"));
        foreach (var line in lines)
        {
            using var record = JsonDocument.Parse(line);
            Assert.Empty(schema.Validate(record.RootElement));
        }
        var records = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(records.Count, records.Select(r => r.GetProperty("id").GetString()).Distinct().Count());
        Assert.Equal(["sim-climate", "sim-co2"], records.Select(r => r.GetProperty("sensor").GetString()).Distinct().Order());
        Assert.All(records, r => Assert.Equal("test-barn", r.GetProperty("gateway").GetString()));
        // Everything the gateway says it accepted is in the outbox: the last readings were flushed.
        var accepted = int.Parse(AcceptedPattern().Match(gateway.Stdout).Groups[1].Value);
        Assert.Equal(accepted, lines.Length);
        Assert.Equal("", gateway.Stderr);
    }

    [Fact]
    public async Task Run_InvalidConfiguration_Exits78WithOneLinePerProblemAndNoStackTrace()
    {
        using var gateway = GatewayProcess.Start(Args(
            "--Gateway:Sensors:0:Type=Dht23",
            "--Gateway:Sensors:1:Interval=00:00:00",
            "--Gateway:Sensors:1:Name=sim-co2"));

        var exitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(78, exitCode);
        var errors = gateway.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(errors, l => l.Contains("Gateway:Sensors:0:Type = 'Dht23'") && l.Contains("Simulated"));
        Assert.DoesNotContain("   at ", gateway.Stderr);
        Assert.False(Directory.Exists(_dir.Combine("data")), "nothing is written before the configuration is valid");
    }

    [Fact]
    public async Task Run_IntervalOutOfRange_Exits78NamingKeyValueAndAllowedRange()
    {
        using var gateway = GatewayProcess.Start(Args("--Gateway:Sensors:1:Interval=2.00:00:00"));

        Assert.Equal(78, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Gateway:Sensors:1:Interval = '2.00:00:00': must be between 00:00:00.010 and 1.00:00:00", gateway.Stderr);
    }

    [Fact]
    public async Task Run_MalformedMachineFile_Exits78NamingFileAndLine()
    {
        var file = _dir.Combine("appsettings.json");
        await File.WriteAllTextAsync(file, "{\n  \"Gateway\": {\n    \"Site\": \"farm-a\"\n    \"Location\": \"barn-1\"\n  }\n}\n");

        using var gateway = GatewayProcess.Start(Args($"--config={file}"));

        Assert.Equal(78, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"{file}: malformed JSON at line 4", gateway.Stderr);
        Assert.DoesNotContain("   at ", gateway.Stderr);
    }

    [Fact]
    public async Task Run_DataDirectoryCannotBeCreated_Exits78NamingTheKey()
    {
        var blocker = _dir.Combine("not-a-folder");
        await File.WriteAllTextAsync(blocker, "");

        using var gateway = GatewayProcess.Start([.. Args(), $"--Gateway:DataDirectory={Path.Combine(blocker, "data")}"]);

        Assert.Equal(78, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"Gateway:DataDirectory = '{Path.Combine(blocker, "data")}': cannot be created or written", gateway.Stderr);
    }

    [Fact]
    public async Task Run_UnknownKey_WarnsNamingTheKeyAndKeepsRunning()
    {
        using var gateway = GatewayProcess.Start(Args("--Gateway:Sensors:0:Intervall=00:00:01"));

        await Eventually.True(() => OutboxLines().Length >= 1, "a record", context: () => gateway.Stdout);
        gateway.Signal("TERM");

        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("[WRN]", gateway.Stdout);
        Assert.Contains("Gateway:Sensors:0:Intervall: unknown key, ignored (a typo?)", gateway.Stdout);
    }

    [Fact]
    public async Task Run_UnderSystemd_NotifiesReadyWatchdogStatusAndStopping_AndLogsWithPriorities()
    {
        var socketPath = _dir.Combine("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var messages = new List<string>();
        var receiving = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            while (true)
            {
                int n;
                try
                {
                    n = await socket.ReceiveAsync(buffer);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
                lock (messages) messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
            }
        });
        string[] Received()
        {
            lock (messages) return messages.ToArray();
        }

        using var gateway = GatewayProcess.Start(Args(), new Dictionary<string, string>
        {
            ["NOTIFY_SOCKET"] = socketPath,
            ["WATCHDOG_USEC"] = "400000",
            ["JOURNAL_STREAM"] = "8:12345",
        });

        await Eventually.True(() => Received().Count(m => m.Contains("WATCHDOG=1")) >= 2, "two watchdog pings",
            context: () => string.Join(" | ", Received()) + gateway.Stdout);
        gateway.Signal("TERM");
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await Eventually.True(() => Received().Any(m => m.Contains("STOPPING=1")), "STOPPING=1");
        socket.Close();
        await receiving;

        var all = Received();
        Assert.StartsWith("READY=1", all[0]);
        Assert.Contains(all, m => m.Contains("STATUS=2 sensor(s)"));
        Assert.True(Array.FindIndex(all, m => m.Contains("STOPPING=1")) > Array.FindLastIndex(all, m => m.Contains("WATCHDOG=1")));
        var logLines = gateway.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(logLines, l => Assert.Matches(@"^<[2-7]>\[(INF|WRN|ERR|DBG|FTL|VRB)\] ", l));
    }

    [GeneratedRegex(@"stopped cleanly: \d+ sensor\(s\), (\d+) readings accepted")]
    private static partial Regex AcceptedPattern();
}
