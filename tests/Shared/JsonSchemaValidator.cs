using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FarmGateway.Testing;

/// <summary>
/// Validates JSON against the small subset of JSON Schema draft 2020-12 that our schema files
/// use: type, required, properties, additionalProperties (boolean), const, enum, pattern,
/// minLength/maxLength, minimum/maximum. Annotations (title, description, format, ...) are
/// accepted and not asserted, as 2020-12 does by default.
/// </summary>
/// <remarks>
/// Any other keyword makes the constructor throw: a validator that silently skipped an
/// unknown keyword would let a schema look stricter than the tests really are.
/// Patterns follow ECMA-262 as the spec requires: <c>$</c> matches only at the very end
/// (a .NET <c>$</c> would also match before a trailing newline) and <c>\d</c> is ASCII only.
/// </remarks>
public sealed class JsonSchemaValidator
{
    private static readonly HashSet<string> AssertionKeywords =
    [
        "type", "required", "properties", "additionalProperties", "const", "enum",
        "pattern", "minLength", "maxLength", "minimum", "maximum",
    ];

    private static readonly HashSet<string> AnnotationKeywords =
    [
        "$schema", "$id", "$comment", "title", "description", "format", "examples", "default",
    ];

    private static readonly HashSet<string> KnownTypes =
        ["object", "array", "string", "number", "integer", "boolean", "null"];

    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(2);

    private readonly JsonElement _schema;
    private readonly ConcurrentDictionary<string, Regex> _patterns = new(StringComparer.Ordinal);

    public JsonSchemaValidator(JsonElement schema)
    {
        _schema = schema.Clone();
        CheckSupported(_schema, "#");
    }

    public static JsonSchemaValidator FromFile(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return new JsonSchemaValidator(document.RootElement);
    }

    /// <summary>Returns one message per violation, each starting with the JSON path ("$.temperature").</summary>
    public IReadOnlyList<string> Validate(JsonElement instance)
    {
        var errors = new List<string>();
        Validate(_schema, instance, "$", errors);
        return errors;
    }

    public IReadOnlyList<string> Validate(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Validate(document.RootElement);
    }

    private void Validate(JsonElement schema, JsonElement instance, string path, List<string> errors)
    {
        if (schema.ValueKind == JsonValueKind.True) return;
        if (schema.ValueKind == JsonValueKind.False)
        {
            errors.Add($"{path}: no value is allowed here (schema is false)");
            return;
        }

        if (schema.TryGetProperty("type", out var type) && !MatchesType(type, instance))
            errors.Add($"{path}: expected type {type.GetRawText()}, got {Describe(instance)}");

        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, instance))
            errors.Add($"{path}: expected {constant.GetRawText()}, got {instance.GetRawText()}");

        if (schema.TryGetProperty("enum", out var allowed)
            && !allowed.EnumerateArray().Any(value => JsonElement.DeepEquals(value, instance)))
            errors.Add($"{path}: {instance.GetRawText()} is not one of {allowed.GetRawText()}");

        switch (instance.ValueKind)
        {
            case JsonValueKind.Object:
                ValidateObject(schema, instance, path, errors);
                break;
            case JsonValueKind.String:
                ValidateString(schema, instance.GetString()!, path, errors);
                break;
            case JsonValueKind.Number:
                ValidateNumber(schema, instance, path, errors);
                break;
        }
    }

    private void ValidateObject(JsonElement schema, JsonElement instance, string path, List<string> errors)
    {
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(n => n.GetString()!))
            {
                if (!instance.TryGetProperty(name, out _))
                    errors.Add($"{Child(path, name)}: required property is missing");
            }
        }

        var hasProperties = schema.TryGetProperty("properties", out var properties);
        var closed = schema.TryGetProperty("additionalProperties", out var additional)
            && additional.ValueKind == JsonValueKind.False;
        foreach (var property in instance.EnumerateObject())
        {
            var childPath = Child(path, property.Name);
            if (hasProperties && properties.TryGetProperty(property.Name, out var propertySchema))
                Validate(propertySchema, property.Value, childPath, errors);
            else if (closed)
                errors.Add($"{childPath}: property is not allowed (additionalProperties is false)");
        }
    }

    private void ValidateString(JsonElement schema, string value, string path, List<string> errors)
    {
        // JSON Schema counts characters as Unicode code points, not UTF-16 units.
        var length = value.EnumerateRunes().Count();
        if (schema.TryGetProperty("minLength", out var minLength) && length < minLength.GetInt32())
            errors.Add($"{path}: length {length} is below minLength {minLength.GetInt32()}");
        if (schema.TryGetProperty("maxLength", out var maxLength) && length > maxLength.GetInt32())
            errors.Add($"{path}: length {length} is above maxLength {maxLength.GetInt32()}");
        if (schema.TryGetProperty("pattern", out var pattern) && !GetRegex(pattern.GetString()!).IsMatch(value))
            errors.Add($"{path}: \"{value}\" does not match pattern {pattern.GetString()}");
    }

    private static void ValidateNumber(JsonElement schema, JsonElement instance, string path, List<string> errors)
    {
        if (schema.TryGetProperty("minimum", out var minimum) && CompareNumbers(instance, minimum) < 0)
            errors.Add($"{path}: {instance.GetRawText()} is below minimum {minimum.GetRawText()}");
        if (schema.TryGetProperty("maximum", out var maximum) && CompareNumbers(instance, maximum) > 0)
            errors.Add($"{path}: {instance.GetRawText()} is above maximum {maximum.GetRawText()}");
    }

    private static int CompareNumbers(JsonElement left, JsonElement right) =>
        left.TryGetDecimal(out var l) && right.TryGetDecimal(out var r)
            ? l.CompareTo(r)
            : left.GetDouble().CompareTo(right.GetDouble());

    private static bool MatchesType(JsonElement type, JsonElement instance) =>
        type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Any(t => MatchesType(t.GetString()!, instance))
            : MatchesType(type.GetString()!, instance);

    private static bool MatchesType(string type, JsonElement instance) => type switch
    {
        "object" => instance.ValueKind == JsonValueKind.Object,
        "array" => instance.ValueKind == JsonValueKind.Array,
        "string" => instance.ValueKind == JsonValueKind.String,
        "number" => instance.ValueKind == JsonValueKind.Number,
        // 2020-12: an integer is any number with a zero fractional part, so 1.0 counts.
        "integer" => instance.ValueKind == JsonValueKind.Number
            && (instance.TryGetDecimal(out var d) ? decimal.Truncate(d) == d : double.IsInteger(instance.GetDouble())),
        "boolean" => instance.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => instance.ValueKind == JsonValueKind.Null,
        _ => throw new NotSupportedException($"Unknown JSON Schema type \"{type}\"."),
    };

    private static string Describe(JsonElement instance) => instance.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Undefined => "nothing",
        var kind => kind.ToString().ToLowerInvariant(),
    };

    private static string Child(string path, string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? $"{path}.{name}"
            : $"{path}[{JsonSerializer.Serialize(name)}]";

    // A shared validator may be used by tests running in parallel.
    private Regex GetRegex(string pattern) =>
        _patterns.GetOrAdd(pattern, p => new Regex(ToDotNetPattern(p), RegexOptions.ECMAScript, RegexTimeout));

    /// <summary>Rewrites <c>$</c> outside character classes to <c>\z</c> (end of input only).</summary>
    private static string ToDotNetPattern(string pattern)
    {
        var result = new StringBuilder(pattern.Length + 4);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                result.Append(c).Append(pattern[++i]);
                continue;
            }

            if (c == '[') inClass = true;
            else if (c == ']') inClass = false;

            result.Append(c == '$' && !inClass ? @"\z" : c.ToString());
        }

        return result.ToString();
    }

    private static void CheckSupported(JsonElement schema, string location)
    {
        if (schema.ValueKind is JsonValueKind.True or JsonValueKind.False) return;
        if (schema.ValueKind != JsonValueKind.Object)
            throw new NotSupportedException($"{location}: a schema must be an object or a boolean.");

        foreach (var keyword in schema.EnumerateObject())
        {
            if (AnnotationKeywords.Contains(keyword.Name)) continue;
            if (!AssertionKeywords.Contains(keyword.Name))
                throw new NotSupportedException($"{location}: keyword \"{keyword.Name}\" is not supported by this validator.");

            switch (keyword.Name)
            {
                case "properties":
                    foreach (var property in keyword.Value.EnumerateObject())
                        CheckSupported(property.Value, $"{location}/properties/{property.Name}");
                    break;
                case "additionalProperties" when keyword.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False):
                    throw new NotSupportedException($"{location}: only a boolean additionalProperties is supported.");
                case "pattern":
                    // Fail at load, not at the first string that reaches the pattern.
                    _ = new Regex(ToDotNetPattern(keyword.Value.GetString()!), RegexOptions.ECMAScript, RegexTimeout);
                    break;
                case "type":
                    var types = keyword.Value.ValueKind == JsonValueKind.Array
                        ? keyword.Value.EnumerateArray().Select(t => t.GetString()!)
                        : [keyword.Value.GetString()!];
                    if (types.FirstOrDefault(t => !KnownTypes.Contains(t)) is { } unknown)
                        throw new NotSupportedException($"{location}: unknown type \"{unknown}\".");
                    break;
            }
        }
    }
}
