using FarmGateway.Configuration;

namespace FarmGateway.Hosting;

/// <summary>
/// The one start-up check that needs the disk: every folder the gateway writes exists (or can
/// be created) and accepts a file. Failing here is a configuration problem (exit 78) with the
/// reason, not a stack trace from deep inside a writer later.
/// </summary>
public static class DataDirectoryCheck
{
    public static List<ConfigProblem> Run(GatewayOptions options)
    {
        var problems = new List<ConfigProblem>();
        Check(problems, $"{GatewayOptions.SectionName}:DataDirectory", options.DataDirectory!);
        // One mistake, one message: an outbox inside a data folder that failed needs no second line.
        var outboxInside = options.Uplinks.File.Directory!.StartsWith(options.DataDirectory! + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        if (options.Uplinks.File.Enabled && !(problems.Count > 0 && outboxInside))
            Check(problems, $"{GatewayOptions.SectionName}:Uplinks:File:Directory", options.Uplinks.File.Directory!);
        return problems;
    }

    private static void Check(List<ConfigProblem> problems, string key, string path)
    {
        try
        {
            Directory.CreateDirectory(path);
            var probe = Path.Combine(path, $".write-check-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var reason = e is UnauthorizedAccessException ? "permission denied" : e.Message;
            problems.Add(new(key, path, $"cannot be created or written ({reason}); allowed: a folder the service user can write, e.g. /var/lib/farm-gateway"));
        }
    }
}
