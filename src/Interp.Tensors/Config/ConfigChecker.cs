// Walks a JSON value against a config record's System.Text.Json contract: unknown keys (with the nearest known key),
// missing required keys, wrong JSON kinds, integers out of range, enum strings not in the list, unknown "type"
// discriminators. Each problem is a ConfigException naming the file and the key's path (e.g. "model.vocab").
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Interp.Errors;

namespace Interp.Config;

internal sealed class Checker(string source, ConfigRules? rules)
{
    public void Check(JsonElement e, Type type, string path, bool nullable, bool root = false)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner) { type = inner; nullable = true; }
        if (type == typeof(JsonElement) || type == typeof(object) || typeof(System.Text.Json.Nodes.JsonNode).IsAssignableFrom(type)) return;
        if (e.ValueKind == JsonValueKind.Null)
        {
            if (nullable) return;
            throw Wrong(path, e, type);
        }
        if (ConfigTypes.IsScalar(type)) { CheckScalar(e, type, path); return; }

        var ti = ConfigJson.Options.GetTypeInfo(type);
        switch (ti.Kind)
        {
            case JsonTypeInfoKind.Enumerable:
                if (e.ValueKind != JsonValueKind.Array) throw Wrong(path, e, type);
                int i = 0;
                foreach (var item in e.EnumerateArray()) Check(item, ti.ElementType!, $"{path}[{i++}]", nullable: ConfigTypes.ElementNullable(type));
                return;
            case JsonTypeInfoKind.Dictionary:
                if (e.ValueKind != JsonValueKind.Object) throw Wrong(path, e, type);
                foreach (var p in e.EnumerateObject()) Check(p.Value, ti.ElementType!, Join(path, p.Name), nullable: ConfigTypes.ElementNullable(type));
                return;
            case JsonTypeInfoKind.Object:
                if (e.ValueKind != JsonValueKind.Object) throw Wrong(path, e, type);
                CheckObject(e, ti, path, root);
                return;
            default:
                return; // a type with its own converter checks itself
        }
    }

    private void CheckObject(JsonElement e, JsonTypeInfo ti, string path, bool root)
    {
        string? discriminatorName = null;
        if (ti.PolymorphismOptions is { } poly)
        {
            discriminatorName = poly.TypeDiscriminatorPropertyName;
            var kinds = poly.DerivedTypes.Select(d => d.TypeDiscriminator?.ToString() ?? "").ToList();
            string what = path.Length == 0 ? "the file" : $"\"{path}\"";
            if (!e.TryGetProperty(discriminatorName, out var tag))
                throw new ConfigException($"{what} has no \"{discriminatorName}\"", source, Join(path, discriminatorName),
                    $"add \"{discriminatorName}\": one of {ConfigTypes.List(kinds)}");
            if (tag.ValueKind != JsonValueKind.String)
                throw Wrong(Join(path, discriminatorName), tag, typeof(string));
            string t = tag.GetString()!;
            var derived = poly.DerivedTypes.FirstOrDefault(d => d.TypeDiscriminator?.ToString() == t);
            if (derived.DerivedType is null)
                throw new ConfigException($"{(path.Length == 0 ? "" : path + ": ")}\"{discriminatorName}\" \"{t}\" is not supported", source, Join(path, discriminatorName),
                    $"supported: {ConfigTypes.List(kinds)}{Nearest(kinds, t)}");
            ti = ConfigJson.Options.GetTypeInfo(derived.DerivedType);
        }
        var props = ti.Properties.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var extra = root ? rules?.ExtraKeys : null;
        foreach (var p in e.EnumerateObject())
        {
            if (p.Name == discriminatorName) continue;
            if (props.TryGetValue(p.Name, out var info))
            {
                Check(p.Value, info.PropertyType, Join(path, p.Name), nullable: info.IsSetNullable);
                continue;
            }
            if (extra is not null && extra.Contains(p.Name)) continue;
            var known = props.Keys.Concat(extra ?? (IEnumerable<string>)Array.Empty<string>()).ToList();
            throw new ConfigException($"unknown key \"{Join(path, p.Name)}\"{(rules?.What is { } w && path.Length == 0 ? $" for {w}" : "")}", source, Join(path, p.Name),
                known.Count == 0 ? "remove it" : $"did you mean \"{NameSuggestions.Nearest(known, p.Name, 1).First()}\"? (or remove it)");
        }
        foreach (var info in ti.Properties)
            if ((info.IsRequired || info.AssociatedParameter is { HasDefaultValue: false }) && !e.TryGetProperty(info.Name, out _))
                throw new ConfigException($"\"{Join(path, info.Name)}\" is missing", source, Join(path, info.Name),
                    $"add it: {ConfigTypes.Describe(info.PropertyType)}");
    }

    private void CheckScalar(JsonElement e, Type type, string path)
    {
        if (type == typeof(string)) { if (e.ValueKind != JsonValueKind.String) throw Wrong(path, e, type); return; }
        if (type == typeof(bool)) { if (e.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw Wrong(path, e, type); return; }
        if (type.IsEnum)
        {
            var names = ConfigTypes.EnumNames(type).Select(n => n.name).ToList();
            if (e.ValueKind != JsonValueKind.String) throw Wrong(path, e, type);
            string s = e.GetString()!;
            if (!names.Contains(s))
                throw new ConfigException($"\"{path}\" is \"{s}\", which is not supported", source, path, $"use one of {ConfigTypes.List(names)}{Nearest(names, s)}");
            return;
        }
        if (e.ValueKind != JsonValueKind.Number) throw Wrong(path, e, type);
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            if (!e.TryGetDouble(out var x) || !double.IsFinite(x) || (type == typeof(float) && !float.IsFinite((float)x)))
                throw new ConfigException($"\"{path}\" is {e.GetRawText()}, out of range", source, path, "use a finite number");
            return;
        }
        bool whole = e.TryGetDecimal(out var d) ? d == decimal.Truncate(d) : e.TryGetDouble(out var dd) && double.IsFinite(dd) && Math.Floor(dd) == dd;
        if (!whole) throw Wrong(path, e, type);
        var (min, max) = ConfigTypes.IntegerRange(type);
        bool inRange = type == typeof(ulong) ? e.TryGetUInt64(out _) : e.TryGetInt64(out var l) && l >= min && l <= max;
        if (!inRange)
            throw new ConfigException($"\"{path}\" is {e.GetRawText()}, out of range", source, path,
                $"use an integer from {min} to {(type == typeof(ulong) ? ulong.MaxValue : (ulong)max)}");
    }

    private ConfigException Wrong(string path, JsonElement found, Type expected) =>
        new($"\"{(path.Length == 0 ? "(top level)" : path)}\" is {ConfigTypes.DescribeValue(found)}; expected {ConfigTypes.Describe(expected)}", source, path,
            ConfigTypes.FixHint(found, expected));

    private static string Nearest(IReadOnlyList<string> names, string s) =>
        names.Count == 0 ? "" : $" (nearest: \"{NameSuggestions.Nearest(names, s, 1).First()}\")";

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
}
