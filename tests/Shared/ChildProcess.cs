using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace FarmGateway.Testing;

/// <summary>
/// A child process (a broker, a command-line client, the gateway) with its output captured,
/// killed on dispose. Unless told otherwise a guard (<c>sh</c> blocked reading a pipe from this
/// process) SIGKILLs it when this process dies without disposing, so no broker outlives a
/// crashed or killed test or benchmark run. Used by the integration tests and the benchmarks.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private const int MaxErrorChars = 1024 * 1024;

    private readonly Process _process;
    private readonly Process? _guard;
    private readonly int? _keepLines;
    private readonly Queue<string> _lines = new();
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();
    private readonly Lock _gate = new();
    private Task _drained = Task.CompletedTask;
    private bool _disposed;

    private ChildProcess(Process process, Process? guard, string name, int? keepLines)
    {
        _process = process;
        _guard = guard;
        _keepLines = keepLines;
        Name = name;
    }

    /// <param name="captureLines">Standard output as <see cref="Lines"/>; false keeps it as text in <see cref="Output"/> only.</param>
    /// <param name="guard">False for short-lived helpers that end on their own.</param>
    /// <param name="standardInput">Written to standard input, which is then closed (mosquitto_pub -l).</param>
    /// <param name="rawOutput">Reads standard output itself (e.g. counts lines); then nothing of it is kept.</param>
    /// <param name="keepLines">Keep only the last this many lines; null keeps all.</param>
    public static ChildProcess Start(string program, IEnumerable<string> arguments, bool captureLines = true, bool guard = true,
        string? standardInput = null, Func<Stream, Task>? rawOutput = null, string? workingDirectory = null,
        Action<ProcessStartInfo>? configure = null, int? keepLines = null)
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
            throw new InvalidOperationException($"{program} could not be started ({e.Message}): run scripts/setup-test-deps", e);
        }
        var child = new ChildProcess(process, guard ? StartGuard(process.Id) : null, Path.GetFileName(program), keepLines);
        child._drained = Task.WhenAll(
            rawOutput is not null ? rawOutput(process.StandardOutput.BaseStream) : child.DrainAsync(process.StandardOutput, captureLines ? null : child._output),
            child.DrainAsync(process.StandardError, child._errors));
        _ = WriteInputAsync(process, standardInput);
        return child;
    }

    /// <summary>The program's file name, for messages.</summary>
    public string Name { get; }

    public int Id => _process.Id;

    /// <summary>True once the process ended, or after dispose.</summary>
    public bool HasExited => _disposed || _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public IReadOnlyList<string> Lines
    {
        get { lock (_gate) return [.. _lines]; }
    }

    public string Errors
    {
        get { lock (_gate) return _errors.ToString(); }
    }

    /// <summary>Stdout (lines or text) then stderr.</summary>
    public string Output
    {
        get { lock (_gate) return string.Join('\n', _lines) + "\n" + _output + _errors; }
    }

    /// <summary>True once the process ended and its output is read to the end.</summary>
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

    public async Task KillAsync()
    {
        StopGuard();
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
        await WaitForExitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>SIGTERM, as systemd stops a service; SIGKILL if it has not exited within <paramref name="timeout"/>. True if it exited by itself.</summary>
    public async Task<bool> TerminateAsync(TimeSpan timeout)
    {
        StopGuard();
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }
        if (await WaitForExitAsync(timeout)) return true;
        await KillAsync();
        return false;
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
        // read returns false at end of file, i.e. when the last holder of the pipe's write end (this
        // process; .NET opens its pipes close-on-exec) is gone.
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

    private static async Task WriteInputAsync(Process process, string? input)
    {
        try
        {
            if (input is null) return;
            await process.StandardInput.WriteAsync(input);
            // Programs that read stdin (mosquitto_pub -l) see the end.
            process.StandardInput.Close();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The process ended first.
        }
    }

    private async Task DrainAsync(StreamReader reader, StringBuilder? text)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line) Append(line, text);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The process ended.
        }
    }

    private void Append(string line, StringBuilder? text)
    {
        lock (_gate)
        {
            if (text is null)
            {
                _lines.Enqueue(line);
                if (_lines.Count > _keepLines) _lines.Dequeue();
            }
            else if (text.Length < MaxErrorChars)
            {
                text.Append(line).Append('\n');
            }
        }
    }
}
