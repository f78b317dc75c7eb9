using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace FarmGateway.Configuration;

/// <summary>
/// Loads the configuration in the documented order (later wins): appsettings.json next to the
/// program, the machine's file (/etc/farm-gateway/appsettings.json, or --config PATH, or
/// FARM_GATEWAY_CONFIG), environment variables (Gateway__Sensors__0__Interval=...), then
/// command-line arguments (--Gateway:Id=barn-2). Then checks it, binds it and validates it,
/// reporting every problem at once, without touching the disk beyond reading those files.
///
/// Lists are the exception to "later wins key by key": .NET merges arrays index by index, so a
/// machine file naming one sensor would inherit the default's second sensor. A list written in
/// a file replaces the lists of the files below it whole; environment variables and arguments
/// still patch single entries (Gateway__Sensors__0__Interval).
/// </summary>
public static class GatewayConfiguration
{
    public const string DefaultMachineFile = "/etc/farm-gateway/appsettings.json";
    public const string ConfigFileVariable = "FARM_GATEWAY_CONFIG";

    /// <summary>Lists a file replaces whole.</summary>
    public static readonly string[] ReplacedLists = [$"{GatewayOptions.SectionName}:Sensors"];

    /// <summary>Top-level sections the gateway reads from its files.</summary>
    public static readonly string[] KnownSections = [GatewayOptions.SectionName, "Serilog"];

    public static ConfigLoadResult Load(string[] args)
    {
        var errors = new List<ConfigProblem>();
        var warnings = new List<ConfigProblem>();
        var layers = new List<Dictionary<string, string?>>();
        var files = new List<string>();
        var (machineFile, explicitFile) = MachineFile(args, errors);
        ReadJson(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false, layers, files, errors, warnings);
        if (machineFile is not null) ReadJson(machineFile, optional: !explicitFile, layers, files, errors, warnings);

        var configuration = new ConfigurationManager();
        foreach (var layer in WithListsReplaced(layers)) configuration.AddInMemoryCollection(layer);
        configuration.AddEnvironmentVariables();
        configuration.AddCommandLine(args);
        if (errors.Count > 0) return new(configuration, null, errors, warnings, files);

        var section = configuration.GetSection(GatewayOptions.SectionName);
        ConfigurationShape.Check(section, typeof(GatewayOptions), errors, warnings);

        // Bind what could be read, leaving out the values already reported, so the rules below
        // still run and the technician sees every problem in one go.
        var unreadable = errors.Select(e => e.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var readable = new ConfigurationBuilder()
            .AddInMemoryCollection(section.AsEnumerable().Where(kv => !IsUnder(kv.Key, unreadable)))
            .Build()
            .GetSection(GatewayOptions.SectionName);
        var options = new GatewayOptions();
        readable.Bind(options);
        NameListEntries(readable, options);
        GatewayOptionsDefaults.Apply(options);
        errors.AddRange(GatewayOptionsValidator.Check(options).Where(p => !unreadable.Contains(p.Key)));
        return new(configuration, errors.Count == 0 ? options : null, errors, warnings, files);
    }

    private static bool IsUnder(string key, HashSet<string> keys)
    {
        for (var k = key; ; k = k[..k.LastIndexOf(':')])
        {
            if (keys.Contains(k)) return true;
            if (!k.Contains(':')) return false;
        }
    }

    /// <summary>The key each sensor was written under, so problems name "Sensors:5" as written even when 2..4 are absent.</summary>
    private static void NameListEntries(IConfigurationSection section, GatewayOptions options)
    {
        var written = section.GetSection("Sensors").GetChildren().ToList();
        for (var i = 0; i < options.Sensors.Count && i < written.Count; i++)
            options.Sensors[i].ConfigKey = written[i].Path;
    }

    private static IEnumerable<Dictionary<string, string?>> WithListsReplaced(List<Dictionary<string, string?>> layers)
    {
        foreach (var list in ReplacedLists)
        {
            // A file that mentions the list at all owns it, "Sensors": [] included (that one
            // reaches us as the bare key with no value).
            var prefix = list + ":";
            var owner = layers.FindLastIndex(l => l.ContainsKey(list));
            for (var i = 0; i < owner; i++)
                foreach (var key in layers[i].Keys.Where(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).ToList())
                    layers[i].Remove(key);
        }
        return layers;
    }

    private static (string? Path, bool Explicit) MachineFile(string[] args, List<ConfigProblem> errors)
    {
        string? named = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config") named = i + 1 < args.Length ? args[i + 1] : "";
            else if (args[i].StartsWith("--config=", StringComparison.Ordinal)) named = args[i]["--config=".Length..];
        }
        named ??= Environment.GetEnvironmentVariable(ConfigFileVariable);
        if (named is null) return (DefaultMachineFile, false);
        if (string.IsNullOrWhiteSpace(named))
        {
            errors.Add(new("--config", named, $"names no file; allowed: the path of a JSON file, e.g. --config {DefaultMachineFile}"));
            return (null, true);
        }
        return (Path.GetFullPath(named), true);
    }

    private static void ReadJson(string path, bool optional, List<Dictionary<string, string?>> layers, List<string> files,
        List<ConfigProblem> errors, List<ConfigProblem> warnings)
    {
        if (!File.Exists(path))
        {
            if (!optional) errors.Add(new(path, null, "configuration file not found"));
            return;
        }
        try
        {
            var file = new ConfigurationBuilder().AddJsonFile(path, optional: false, reloadOnChange: false).Build();
            foreach (var top in file.GetChildren().Where(s => !KnownSections.Contains(s.Key, StringComparer.OrdinalIgnoreCase)))
                warnings.Add(new(top.Key, null, $"unknown section in {path}, ignored (a typo?); sections read here: {string.Join(", ", KnownSections)}"));
            layers.Add(file.AsEnumerable()
                .Where(kv => kv.Value is not null || ReplacedLists.Contains(kv.Key, StringComparer.OrdinalIgnoreCase))
                .ToDictionary(StringComparer.OrdinalIgnoreCase));
            files.Add(path);
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

/// <summary>The outcome of loading: the configuration, the options when valid, all problems, and the files read.</summary>
public sealed record ConfigLoadResult(
    IConfigurationRoot Configuration,
    GatewayOptions? Options,
    IReadOnlyList<ConfigProblem> Errors,
    IReadOnlyList<ConfigProblem> Warnings,
    IReadOnlyList<string> Files);
