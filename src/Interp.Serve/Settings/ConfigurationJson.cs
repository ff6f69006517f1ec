// Turns a configuration section back into JSON for the strict readers. Configuration keeps every leaf as a string
// (`8`, `true`) and arrays as keys 0..n-1; the target record's property types say which leaves are numbers or booleans,
// so a string property whose value looks like a number ("2024") stays a string.
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace Interp.Serve.Settings;

public static class ConfigurationJson
{
    public static JsonNode? ToNode(IConfigurationSection s, Type? target)
    {
        var children = s.GetChildren().ToList();
        if (children.Count == 0)
            return s.Value == "" && target is not null && target != typeof(string) && !target.IsValueType ? null   // [] arrives as ""
                : Leaf(s.Value, target);
        var element = ElementType(target);
        if (children.All(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)) && (target is null || element.IsList))
            return new JsonArray(children.OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)).Select(c => ToNode(c, element.Type)).ToArray());
        var o = new JsonObject();
        foreach (var c in children)
            if (ToNode(c, element.IsDictionary ? element.Type : PropertyType(target, c.Key)) is { } v) o[c.Key] = v;   // {} and null arrive without a value: defaults
        return o;
    }

    private static JsonNode? Leaf(string? v, Type? t)
    {
        if (v is null) return null;
        t = t is null ? null : Nullable.GetUnderlyingType(t) ?? t;
        if (t == typeof(string) || (t is not null && t.IsEnum)) return JsonValue.Create(v);
        if (t == typeof(bool) && bool.TryParse(v, out bool b)) return JsonValue.Create(b);
        if (t is not null && (t == typeof(int) || t == typeof(long) || t == typeof(double) || t == typeof(float)) &&
            double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            try { return JsonNode.Parse(v); } catch (JsonException) { return JsonValue.Create(v); }
        }
        return JsonValue.Create(v);
    }

    private static (bool IsList, bool IsDictionary, Type? Type) ElementType(Type? t)
    {
        if (t is null) return (true, false, null);
        if (t.IsArray) return (true, false, t.GetElementType());
        if (t.IsGenericType)
        {
            var def = t.GetGenericTypeDefinition();
            if (def == typeof(List<>) || def == typeof(IReadOnlyList<>) || def == typeof(IList<>)) return (true, false, t.GetGenericArguments()[0]);
            if (def == typeof(Dictionary<,>) || def == typeof(IReadOnlyDictionary<,>)) return (false, true, t.GetGenericArguments()[1]);
        }
        return (false, false, null);
    }

    /// <summary>The property a snake_case key names (configuration keys are case-insensitive).</summary>
    private static Type? PropertyType(Type? t, string key)
    {
        if (t is null) return null;
        string flat = key.Replace("_", "", StringComparison.Ordinal);
        return t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => string.Equals(p.Name, flat, StringComparison.OrdinalIgnoreCase))?.PropertyType;
    }
}
