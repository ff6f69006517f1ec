// Reading a job's JSON arguments with errors a submitter can act on: unknown fields named with the nearest known one,
// wrong types and missing required values as InterpException (400 at the API, before the job is queued).
using System.Text.Json;
using Interp.Errors;

namespace Interp.Serve.Jobs.Handlers;

internal static class JobArgs
{
    public static void Known(JsonElement args, string kind, params string[] fields)
    {
        foreach (var p in args.EnumerateObject())
            if (!fields.Contains(p.Name))
                throw new InterpException($"{kind}: unknown argument '{p.Name}'", "args",
                    $"did you mean '{NameSuggestions.Nearest(fields, p.Name, 1).FirstOrDefault() ?? fields[0]}'? (known: {string.Join(", ", fields)})");
    }

    public static string? String(JsonElement args, string name, bool required = false)
    {
        if (!args.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            return required ? throw new InterpException($"argument '{name}' is missing", "args", $"give \"{name}\": \"...\"") : null;
        if (v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString()))
            throw new InterpException($"argument '{name}' must be a non-empty string", "args", null);
        return v.GetString();
    }

    public static int Int(JsonElement args, string name, int fallback, int min, int max)
    {
        if (!args.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int i) || i < min || i > max)
            throw new InterpException($"argument '{name}' must be an integer in {min}..{max}", "args", null);
        return i;
    }

    /// <summary>A list of names: a JSON array of strings or one comma-separated string; null when absent.</summary>
    public static List<string>? List(JsonElement args, string name)
    {
        if (!args.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.String)
            return v.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(x.GetString())))
            return v.EnumerateArray().Select(x => x.GetString()!.Trim()).ToList();
        throw new InterpException($"argument '{name}' must be an array of names or a comma-separated string", "args", $"e.g. \"{name}\": [\"simulation\", \"embedding\"]");
    }

    public static bool Bool(JsonElement args, string name, bool fallback)
    {
        if (!args.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.True => true, JsonValueKind.False => false,
            _ => throw new InterpException($"argument '{name}' must be true or false", "args", null),
        };
    }

    /// <summary>A path argument that must name an existing regular file.</summary>
    public static string ExistingFile(JsonElement args, string name, bool required = true)
    {
        var p = String(args, name, required)!;
        if (!File.Exists(p)) throw new InterpException($"argument '{name}': no file at '{p}'", "args", "give the path of an existing file on the server", ErrorKind.NotFound);
        return p;
    }
}
