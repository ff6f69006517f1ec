// One strict reader for the agent layer's JSON configs (the `Llm` section of appsettings.json, stand-in scripts):
// System.Text.Json, snake_case keys, unknown keys and wrong types rejected with the key path and the nearest known key.
// It reads; it does not validate values (each options record's Validate does that).
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Interp.Models;

namespace Interp.Agent.Llm.Options;

/// <summary>A configuration error: says which key, what was expected and what to do. Exit code 2 at the CLI.</summary>
public sealed class LlmConfigException(string message) : ArgumentException(message);

public static partial class StrictJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };

    /// <summary>Reads <paramref name="json"/> as <typeparamref name="T"/>; <paramref name="source"/> names the file or section in errors.</summary>
    public static T Deserialize<T>(string json, string source) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options)
                   ?? throw new LlmConfigException($"{source}: expected a JSON object, found null; write {{ ... }}");
        }
        catch (JsonException e) { throw Explain<T>(e, source); }
    }

    public static T Deserialize<T>(JsonNode node, string source) where T : class => Deserialize<T>(node.ToJsonString(), source);

    private static LlmConfigException Explain<T>(JsonException e, string source)
    {
        string path = e.Path ?? "$";
        var unmapped = UnmappedRegex().Match(e.Message);
        if (unmapped.Success)
        {
            string key = unmapped.Groups[1].Value;
            var known = KnownKeys(typeof(T), unmapped.Groups[2].Value);
            string hint = known.Count == 0 ? "remove it"
                : $"did you mean '{NameSuggestions.Nearest(known, key, 1).First()}'? (known keys: {string.Join(", ", known)})";
            return new LlmConfigException($"{source}: unknown key '{key}' at {path}; {hint}");
        }
        var converted = ConvertRegex().Match(e.Message);
        if (converted.Success)
            return new LlmConfigException($"{source}: wrong type at {path}: expected {Friendly(converted.Groups[1].Value)}; fix the value");
        if (e.Message.Contains("required", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("null", StringComparison.OrdinalIgnoreCase))
            return new LlmConfigException($"{source}: {e.Message.Split(" Path:")[0]} (at {path}); give a value");
        return new LlmConfigException($"{source}: invalid JSON at {path}: {e.Message.Split(" Path:")[0]}; fix the file");
    }

    private static string Friendly(string clrType) => clrType switch
    {
        var t when t.Contains("Int32") || t.Contains("Int64") => "an integer",
        var t when t.Contains("Double") || t.Contains("Decimal") => "a number",
        var t when t.Contains("Boolean") => "true or false",
        var t when t.Contains("String") => "a string",
        var t when t.Contains("Dictionary") => "an object { name: ... }",
        var t when t.Contains("List") || t.EndsWith("[]") => "an array [ ... ]",
        var t => $"a {t.Split('.').Last().TrimEnd('\'')} (see docs/llm.md)",
    };

    /// <summary>The JSON property names of the type called <paramref name="fullName"/> reachable from <paramref name="root"/>.</summary>
    private static IReadOnlyList<string> KnownKeys(Type root, string fullName)
    {
        var seen = new HashSet<Type>();
        var stack = new Stack<Type>([root]);
        while (stack.Count > 0)
        {
            var t = stack.Pop();
            if (!seen.Add(t)) continue;
            if (t.FullName == fullName)
                return Options.GetTypeInfo(t).Properties.Select(p => p.Name).ToList();
            foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var pt = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
                if (pt.IsArray) pt = pt.GetElementType()!;
                if (pt.IsGenericType) foreach (var a in pt.GetGenericArguments()) stack.Push(a);
                else if (pt.IsClass && pt != typeof(string)) stack.Push(pt);
            }
        }
        return [];
    }

    [GeneratedRegex(@"property '([^']*)' could not be mapped to any \.NET member contained in type '([^']*)'")]
    private static partial Regex UnmappedRegex();

    [GeneratedRegex(@"could not be converted to ([^\s.]+(?:\.[^\s.]+)*)\.?")]
    private static partial Regex ConvertRegex();
}
