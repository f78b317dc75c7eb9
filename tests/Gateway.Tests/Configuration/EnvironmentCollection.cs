namespace FarmGateway.Tests.Configuration;

/// <summary>
/// Tests that read or change process environment variables. GatewayConfiguration.Load reads
/// the whole environment (Gateway__* overrides, FARM_GATEWAY_CONFIG, STATE_DIRECTORY), so every
/// test class that calls it runs in this collection, alone, never beside a test that changes
/// a variable.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "environment";
}

/// <summary>Sets an environment variable (null removes it) and restores the old value on dispose.</summary>
public sealed class EnvironmentVariable : IDisposable
{
    private readonly string _name;
    private readonly string? _previous;

    private EnvironmentVariable(string name, string? value)
    {
        _name = name;
        _previous = Environment.GetEnvironmentVariable(name);
        Environment.SetEnvironmentVariable(name, value);
    }

    public static EnvironmentVariable Set(string name, string? value) => new(name, value);

    public void Dispose() => Environment.SetEnvironmentVariable(_name, _previous);
}
