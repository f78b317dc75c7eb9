using System.Runtime.InteropServices;

namespace FarmGateway.MqttIngestBench;

/// <summary>The machine a run used, printed with every result table.</summary>
internal sealed record MachineInfo(int Cores, string Architecture, string Kernel, string Cpu, string Runtime)
{
    public static MachineInfo Read() => new(
        Environment.ProcessorCount,
        RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant() switch { "x64" => "x86_64", "arm64" => "aarch64", var a => a },
        File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : Environment.OSVersion.VersionString,
        CpuModel(),
        RuntimeInformation.FrameworkDescription);

    private static string CpuModel()
    {
        var lines = File.Exists("/proc/cpuinfo") ? File.ReadAllLines("/proc/cpuinfo") : [];
        var model = lines.FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
            ?? lines.FirstOrDefault(l => l.StartsWith("Model", StringComparison.Ordinal)); // Raspberry Pi
        return model?.Split(':', 2)[1].Trim() ?? "unknown";
    }

    /// <summary>The directory holding Gateway.sln, from the working directory or the program's own.</summary>
    public static string RepositoryRoot()
    {
        foreach (var start in (string[])[Environment.CurrentDirectory, AppContext.BaseDirectory])
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
                if (File.Exists(Path.Combine(directory.FullName, "Gateway.sln"))) return directory.FullName;
        throw new InvalidOperationException("Gateway.sln not found above the working directory or the program; run from the repository.");
    }
}
