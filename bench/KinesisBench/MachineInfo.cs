using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FarmGateway.KinesisBench;

/// <summary>The machine and the far side a run used, printed with every result table.</summary>
internal sealed record MachineInfo(int Cores, string Architecture, string Kernel, string Cpu, string Runtime, string Node)
{
    public static MachineInfo Read() => new(
        Environment.ProcessorCount,
        RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant() switch { "x64" => "x86_64", "arm64" => "aarch64", var a => a },
        TryRead("/proc/sys/kernel/osrelease") ?? Environment.OSVersion.VersionString,
        CpuModel(),
        RuntimeInformation.FrameworkDescription,
        NodeVersion());

    private static string CpuModel()
    {
        var lines = File.Exists("/proc/cpuinfo") ? File.ReadAllLines("/proc/cpuinfo") : [];
        var model = lines.FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
            ?? lines.FirstOrDefault(l => l.StartsWith("Model", StringComparison.Ordinal)); // Raspberry Pi
        return model?.Split(':', 2)[1].Trim() ?? "unknown";
    }

    private static string NodeVersion()
    {
        try
        {
            using var node = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true, UseShellExecute = false });
            if (node is null) return "unknown";
            var version = node.StandardOutput.ReadToEnd().Trim();
            node.WaitForExit();
            return version;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    private static string? TryRead(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;

    /// <summary>The directory holding Gateway.sln, from the working directory or the program's own.</summary>
    public static string RepositoryRoot()
    {
        foreach (var start in (string[])[Environment.CurrentDirectory, AppContext.BaseDirectory])
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
                if (File.Exists(Path.Combine(directory.FullName, "Gateway.sln"))) return directory.FullName;
        throw new InvalidOperationException("Gateway.sln not found above the working directory or the program; run from the repository.");
    }
}
