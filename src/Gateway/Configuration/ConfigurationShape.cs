using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace FarmGateway.Configuration;

/// <summary>
/// Checks the raw configuration against the shape of an options class before it is bound:
/// keys no property reads are typos until proven otherwise (a warning naming the key and the
/// keys that exist), and values that cannot become the property's type are errors naming what
/// is allowed. Binding after a clean check cannot fail, so the binder's stack traces never
/// reach a technician.
/// </summary>
public static class ConfigurationShape
{
    public static void Check(IConfigurationSection section, Type type, List<ConfigProblem> errors, List<ConfigProblem> warnings)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (IsLeaf(underlying))
        {
            CheckLeaf(section, underlying, errors);
        }
        else if (ElementType(underlying) is { } element)
        {
            if (section.Value is { Length: > 0 } value)
                errors.Add(new(section.Path, value, "expects a list [ ... ], not a single value"));
            foreach (var child in section.GetChildren())
            {
                if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    errors.Add(new(child.Path, null, "is not a list position; write the entries as a JSON list [ ... ], or number them 0, 1, 2 in environment variables"));
                else
                    Check(child, element, errors, warnings);
            }
        }
        else
        {
            CheckObject(section, underlying, errors, warnings);
        }
    }

    private static void CheckObject(IConfigurationSection section, Type type, List<ConfigProblem> errors, List<ConfigProblem> warnings)
    {
        if (section.Value is { Length: > 0 } value)
        {
            errors.Add(new(section.Path, value, "expects a section { ... }, not a single value"));
            return;
        }
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToArray();
        foreach (var child in section.GetChildren())
        {
            var property = properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
                warnings.Add(new(child.Path, null, $"unknown key, ignored (a typo?); keys allowed here: {string.Join(", ", properties.Select(p => p.Name))}"));
            else
                Check(child, property.PropertyType, errors, warnings);
        }
    }

    private static void CheckLeaf(IConfigurationSection section, Type type, List<ConfigProblem> errors)
    {
        if (section.GetChildren().Any())
        {
            errors.Add(new(section.Path, null, $"expects a single value ({Describe(type)}), not a section or list"));
            return;
        }
        var value = section.Value;
        if (string.IsNullOrEmpty(value) || type == typeof(string)) return;
        if (type.IsEnum ? !IsEnumName(type, value) : !Converts(type, value))
            errors.Add(new(section.Path, value, $"is not {Describe(type)}"));
    }

    private static bool IsEnumName(Type type, string value) =>
        Enum.GetNames(type).Any(n => string.Equals(n, value.Trim(), StringComparison.OrdinalIgnoreCase));

    private static bool Converts(Type type, string value)
    {
        try
        {
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException or NotSupportedException
                                      || e.InnerException is FormatException or OverflowException)
        {
            return false;
        }
    }

    public static string Describe(Type type) => type switch
    {
        _ when type.IsEnum => $"one of: {string.Join(", ", Enum.GetNames(type))}",
        _ when type == typeof(TimeSpan) => "a duration as [d.]hh:mm:ss[.fff], e.g. 00:00:10 for ten seconds",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(int) || type == typeof(long) => "a whole number",
        _ when type == typeof(double) => "a number",
        _ when type == typeof(string) => "text",
        _ => $"a {type.Name}",
    };

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan);

    private static Type? ElementType(Type type)
    {
        if (type.IsArray) return type.GetElementType();
        if (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) && type.GetGenericArguments() is [var element])
            return element;
        return null;
    }
}
