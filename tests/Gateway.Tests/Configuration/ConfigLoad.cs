using FarmGateway.Configuration;
using FarmGateway.Tests.Testing;

namespace FarmGateway.Tests.Configuration;

/// <summary>
/// Runs <see cref="GatewayConfiguration.Load"/> the way the gateway does, with a machine file
/// of the test's own, so a /etc/farm-gateway/appsettings.json or FARM_GATEWAY_CONFIG on the
/// test machine never leaks in. The embedded default next to the test assembly is always read first.
/// </summary>
internal static class ConfigLoad
{
    public const string EmptyMachineFile = "{}";

    /// <summary>Writes <paramref name="content"/> to a file in the folder and returns its full path.</summary>
    public static string WriteFile(this TempDirectory temp, string name, string content)
    {
        var path = temp.Combine(name);
        File.WriteAllText(path, content);
        return path;
    }

    public static ConfigLoadResult Run(TempDirectory temp, params string[] args) =>
        RunWithMachineFile(temp, EmptyMachineFile, args);

    public static ConfigLoadResult RunWithMachineFile(TempDirectory temp, string machineJson, params string[] args)
    {
        var machineFile = temp.WriteFile("machine.json", machineJson);
        return GatewayConfiguration.Load([$"--config={machineFile}", .. args]);
    }

    /// <summary>The only error, asserted to name the key and the bad value.</summary>
    public static ConfigProblem SingleError(ConfigLoadResult result, string key, string? value)
    {
        var problem = Assert.Single(result.Errors);
        Assert.Equal(key, problem.Key);
        Assert.Equal(value, problem.Value);
        Assert.Null(result.Options);
        return problem;
    }

    public static ConfigProblem SingleWarning(ConfigLoadResult result, string key)
    {
        var problem = Assert.Single(result.Warnings);
        Assert.Equal(key, problem.Key);
        return problem;
    }

    public static GatewayOptions Valid(ConfigLoadResult result)
    {
        Assert.Empty(result.Errors);
        Assert.NotNull(result.Options);
        return result.Options;
    }
}
