using System.Runtime.CompilerServices;

namespace FarmGateway.Testing;

public static class RepositoryRoot
{
    /// <summary>
    /// The folder holding Gateway.sln: found by walking up from the test binaries, or else from
    /// this source file (when the build output lives elsewhere, e.g. --artifacts-path).
    /// </summary>
    public static string Path { get; } = Find(AppContext.BaseDirectory) ?? Find(ThisFile()) ??
        throw new InvalidOperationException($"No directory containing Gateway.sln above {AppContext.BaseDirectory} or {ThisFile()}.");

    private static string? Find(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Gateway.sln"))) return directory.FullName;
        return null;
    }

    private static string ThisFile([CallerFilePath] string path = "") => System.IO.Path.GetDirectoryName(path) ?? path;
}
