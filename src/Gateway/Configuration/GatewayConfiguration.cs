using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace FarmGateway.Configuration;

/// <summary>
/// Loads the configuration in the documented order (later wins): appsettings.json next to the
/// program, the machine's file (/etc/farm-gateway/appsettings.json, or --config PATH, or
/// FARM_GATEWAY_CONFIG), environment variables (Gateway__Sensors__0__Interval=...), then
/// command-line arguments (--Gateway:Id=barn-2). Then checks it, binds it and validates it,
/// all without touching the disk beyond reading those files.
/// </summary>
public static class GatewayConfiguration
{
    public const string DefaultMachineFile = "/etc/farm-gateway/appsettings.json";
    public const string ConfigFileVariable = "FARM_GATEWAY_CONFIG";

    public static ConfigLoadResult Load(string[] args)
    {
        var errors = new List<ConfigProblem>();
        var warnings = new List<ConfigProblem>();
        var configuration = new ConfigurationManager();
        var (machineFile, explicitFile) = MachineFile(args);
        AddJson(configuration, Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false, errors);
        AddJson(configuration, machineFile, optional: !explicitFile, errors);
        configuration.AddEnvironmentVariables();
        configuration.AddCommandLine(args);
        if (errors.Count > 0) return new(configuration, null, errors, warnings);

        var section = configuration.GetSection(GatewayOptions.SectionName);
        ConfigurationShape.Check(section, typeof(GatewayOptions), errors, warnings);
        if (errors.Count > 0) return new(configuration, null, errors, warnings);

        var options = new GatewayOptions();
        section.Bind(options);
        GatewayOptionsDefaults.Apply(options);
        errors.AddRange(GatewayOptionsValidator.Check(options));
        return new(configuration, errors.Count == 0 ? options : null, errors, warnings);
    }

    private static (string Path, bool Explicit) MachineFile(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config" && i + 1 < args.Length) return (Path.GetFullPath(args[i + 1]), true);
            if (args[i].StartsWith("--config=", StringComparison.Ordinal)) return (Path.GetFullPath(args[i]["--config=".Length..]), true);
        }
        return Environment.GetEnvironmentVariable(ConfigFileVariable) is { Length: > 0 } fromEnvironment
            ? (Path.GetFullPath(fromEnvironment), true)
            : (DefaultMachineFile, false);
    }

    private static void AddJson(ConfigurationManager configuration, string path, bool optional, List<ConfigProblem> errors)
    {
        if (!File.Exists(path))
        {
            if (!optional) errors.Add(new(path, null, "configuration file not found"));
            return;
        }
        try
        {
            // ConfigurationManager loads a source as soon as it is added, so bad JSON throws here.
            configuration.AddJsonFile(path, optional: false, reloadOnChange: false);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException or UnauthorizedAccessException)
        {
            errors.Add(new(path, null, Describe(e)));
        }
    }

    private static string Describe(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is JsonException { LineNumber: { } line } json)
                return $"malformed JSON at line {line + 1}, position {json.BytePositionInLine + 1}: {FirstSentence(json.Message)}; " +
                       "allowed: JSON with // comments and trailing commas";
            if (inner is UnauthorizedAccessException)
                return "cannot read the file (permission denied); the service user needs read access";
        }
        return $"cannot be loaded: {FirstSentence((e.InnerException ?? e).Message)}";
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (end > 0 ? message[..end] : message).TrimEnd('.', ' ');
    }
}

/// <summary>The outcome of loading: the configuration, the options when valid, and all problems.</summary>
public sealed record ConfigLoadResult(
    IConfigurationRoot Configuration,
    GatewayOptions? Options,
    IReadOnlyList<ConfigProblem> Errors,
    IReadOnlyList<ConfigProblem> Warnings);
