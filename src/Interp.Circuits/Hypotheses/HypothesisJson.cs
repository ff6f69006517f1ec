// JSON for hypothesis records (and any other Circuits result): System.Text.Json, snake_case, enums as strings, unknown
// keys rejected with the nearest known key named. Read errors say where (the JSON path) and what to do.
using System.Text.Json;
using System.Text.Json.Serialization;
using Interp.Models;

namespace Interp.Circuits;

public static class CircuitJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    };

    public static string Serialize<T>(T value, bool indented = true) =>
        JsonSerializer.Serialize(value, indented ? Options : new JsonSerializerOptions(Options) { WriteIndented = false });

    /// <summary>Reads a <typeparamref name="T"/> from <paramref name="json"/>; <paramref name="where"/> names the source in errors.</summary>
    public static T Deserialize<T>(string json, string where)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidDataException($"{where}: the JSON is null; expected a {typeof(T).Name} object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where}: {Explain(e)}", e);
        }
    }

    /// <summary>The JSON keys of the type named in a "could not be mapped ... contained in type 'T'" message.</summary>
    private static IReadOnlyList<string> KnownKeys(string msg)
    {
        int t = msg.IndexOf("type '", StringComparison.Ordinal);
        if (t < 0) return Array.Empty<string>();
        int end = msg.IndexOf('\'', t + 6);
        var type = typeof(CircuitJson).Assembly.GetType(msg[(t + 6)..end]);
        if (type is null) return Array.Empty<string>();
        return Options.GetTypeInfo(type).Properties.Select(p => p.Name).ToArray();
    }

    internal static string Explain(JsonException e)
    {
        var msg = e.Message;
        // "The JSON property 'x' could not be mapped to any .NET member contained in type '...'."
        int q = msg.IndexOf("property '", StringComparison.Ordinal);
        if (msg.Contains("could not be mapped", StringComparison.Ordinal) && q >= 0)
        {
            int end = msg.IndexOf('\'', q + 10);
            string key = msg[(q + 10)..end];
            var known = KnownKeys(msg);
            string hint = known.Count == 0 ? "check the spelling (keys are snake_case)"
                : $"did you mean '{NameSuggestions.Nearest(known, key, 1).First()}'? (known keys: {string.Join(", ", known)})";
            return $"unknown key '{key}' at {e.Path ?? "$"}; {hint}.";
        }
        if (e.Message.Contains("missing required properties", StringComparison.Ordinal) || e.Message.Contains("required", StringComparison.OrdinalIgnoreCase))
            return $"{msg.Split(" Path:")[0]} (at {e.Path ?? "$"})";
        return $"malformed JSON at {e.Path ?? "$"} (line {e.LineNumber + 1}): {msg.Split(" Path:")[0]}";
    }
}
