using System.Diagnostics;
using System.Text;

namespace FarmGateway.IntegrationTests.Testing;

/// <summary>
/// The real gateway as a child process (the FarmGateway.dll built next to the tests), the way
/// systemd or a technician runs it. Output is captured; the process is killed if a test leaves
/// it running.
/// </summary>
public sealed class GatewayProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();

    private GatewayProcess(Process process)
    {
        _process = process;
    }

    public static GatewayProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        // env --default-signal: a test runner started in the background may ignore SIGINT, and
        // an ignored signal stays ignored across exec; Ctrl-C must reach the gateway as it would
        // from a terminal.
        var info = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var a in (string[])["--default-signal=INT,TERM", "dotnet", Path.Combine(AppContext.BaseDirectory, "FarmGateway.dll"), .. args])
            info.ArgumentList.Add(a);
        // The child must not inherit a systemd context or configuration from the test runner.
        foreach (var name in (string[])["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "FARM_GATEWAY_CONFIG", "STATE_DIRECTORY"])
            info.Environment.Remove(name);
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("Gateway__", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(name);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;

        var process = new Process { StartInfo = info };
        var gateway = new GatewayProcess(process);
        process.OutputDataReceived += (_, e) => gateway.Append(gateway._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => gateway.Append(gateway._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return gateway;
    }

    public int Id => _process.Id;

    public string Stdout
    {
        get { lock (_gate) return _stdout.ToString(); }
    }

    public string Stderr
    {
        get { lock (_gate) return _stderr.ToString(); }
    }

    /// <summary>Sends a signal the way systemd (TERM) or a terminal's Ctrl-C (INT) would.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>SIGKILL, like a crash or the OOM killer: no shutdown code runs, nothing is flushed.</summary>
    public void Kill() => _process.Kill();

    public bool HasExited => _process.HasExited;

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The gateway did not exit within {timeout}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
        _process.WaitForExit(); // flushes the redirected output
        return _process.ExitCode;
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null) return;
        lock (_gate) target.AppendLine(line);
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
