using System.Diagnostics;

namespace FarmGateway.Bench;

/// <summary>Which gateway code was measured: the commit, and whether src/ had changes on top of it.</summary>
internal static class SourceVersion
{
    public static string Describe(string repositoryRoot)
    {
        var commit = Git(repositoryRoot, "rev-parse", "--short", "HEAD");
        if (commit is null) return "unknown (not a git checkout)";
        var changes = Git(repositoryRoot, "status", "--porcelain", "--", "src");
        return string.IsNullOrWhiteSpace(changes) ? $"commit {commit}" : $"commit {commit} with uncommitted changes in src/";
    }

    private static string? Git(string directory, params string[] arguments)
    {
        try
        {
            var info = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments) info.ArgumentList.Add(argument);
            using var git = Process.Start(info);
            if (git is null) return null;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
