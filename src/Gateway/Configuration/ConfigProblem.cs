namespace FarmGateway.Configuration;

/// <summary>
/// One thing wrong with the configuration, phrased for a technician: the key as it is written
/// in appsettings.json or an environment variable, the value found, and what is allowed.
/// </summary>
public sealed record ConfigProblem(string Key, string? Value, string Message)
{
    private static readonly string[] SecretWords = ["password", "apikey", "secret", "token", "privatekey"];

    public override string ToString() =>
        Value is null ? $"{Key}: {Message}" : $"{Key} = '{Display(Key, Value)}': {Message}";

    /// <summary>Secrets are never echoed, not even in an error about them.</summary>
    public static string Display(string key, string value)
    {
        // The last named segment decides ("...:ApiKey", "...:Tokens:0"), not a parent section.
        var named = key.Split(':').LastOrDefault(s => !s.All(char.IsAsciiDigit))?.ToLowerInvariant() ?? "";
        return SecretWords.Any(named.Contains) ? "***" : value;
    }
}
