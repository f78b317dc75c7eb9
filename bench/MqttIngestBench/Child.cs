using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace FarmGateway.MqttIngestBench;

/// <summary>
/// A child process killed on dispose, and by a guard (<c>sh</c> blocked reading a pipe from this
/// process) if the benchmark dies without disposing it, so no broker or gateway outlives a
/// crashed or interrupted run. Standard output goes either to <see cref="Lines"/> (the last few
/// hundred lines kept) or, raw, to a consumer; standard error is kept for messages.
/// </summary>
internal sealed class Child : IAsyncDisposable
{
    private const int KeptLines = 300;

    private readonly Process _process;
    private readonly Process? _guard;
    private readonly Queue<string> _lines = new();
    private readonly StringBuilder _errors = new();
    private readonly Lock _gate = new();
    private Task _drained = Task.CompletedTask;
    private bool _disposed;

    private Child(Process process, Process? guard, string name)
    {
        _process = process;
        _guard = guard;
        Name = name;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <param name="rawOutput">Reads standard output itself (e.g. counts lines); null keeps the last lines in <see cref="Lines"/>.</param>
    /// <param name="guard">False for short-lived helpers that end on their own.</param>
    public static Child Start(string program, IEnumerable<string> arguments, Func<Stream, Task>? rawOutput = null, bool guard = true,
        string? workingDirectory = null, Action<ProcessStartInfo>? configure = null)
    {
        var info = new ProcessStartInfo(Resolve(program))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        configure?.Invoke(info);
        var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException($"{program} could not be started ({e.Message}); install mosquitto and mosquitto-clients (scripts/setup-test-deps)", e);
        }
        var child = new Child(process, guard ? StartGuard(process.Id) : null, Path.GetFileName(program));
        child._drained = Task.WhenAll(
            rawOutput is null ? child.DrainAsync(process.StandardOutput, toLines: true) : rawOutput(process.StandardOutput.BaseStream),
            child.DrainAsync(process.StandardError, toLines: false));
        return child;
    }

    /// <summary>The last lines of standard output (when not read raw).</summary>
    public IReadOnlyList<string> Lines
    {
        get { lock (_gate) return [.. _lines]; }
    }

    public string Errors
    {
        get { lock (_gate) return _errors.ToString(); }
    }

    public string Output => $"{string.Join('\n', Lines)}\n{Errors}";

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
            await _drained.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, as systemd stops a service; SIGKILL if it has not exited within <paramref name="timeout"/>. True if it exited by itself.</summary>
    public async Task<bool> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }
        if (await WaitForExitAsync(timeout)) return true;
        await KillAsync();
        return false;
    }

    public async Task KillAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
        await WaitForExitAsync(TimeSpan.FromSeconds(10));
        StopGuard();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await KillAsync();
        _guard?.Dispose();
        _process.Dispose();
    }

    /// <summary>Finds programs in PATH, then in /usr/sbin (mosquitto), which a non-root PATH may lack.</summary>
    public static string Resolve(string program)
    {
        if (program.Contains('/')) return program;
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin");
        return directories.Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists) ?? program;
    }

    private static Process StartGuard(int pid)
    {
        // read returns false at end of file, i.e. when this process (the last holder of the pipe's
        // write end; .NET opens its pipes close-on-exec) is gone.
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in (string[])["-c", "while read -r _; do :; done; kill -KILL \"$1\" 2>/dev/null", "orphan-guard", pid.ToString(CultureInfo.InvariantCulture)])
            info.ArgumentList.Add(argument);
        return Process.Start(info)!;
    }

    private void StopGuard()
    {
        try
        {
            if (_guard is { HasExited: false }) _guard.Kill();
            _guard?.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    private async Task DrainAsync(StreamReader reader, bool toLines)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (_gate)
                {
                    if (!toLines)
                    {
                        if (_errors.Length < 64 * 1024) _errors.Append(line).Append('\n');
                        continue;
                    }
                    _lines.Enqueue(line);
                    if (_lines.Count > KeptLines) _lines.Dequeue();
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The process ended.
        }
    }
}
