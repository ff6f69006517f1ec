// Reads the `Index` section of appsettings.json into IndexOptions with System.Text.Json. Keys match case-insensitively
// (as .NET configuration does); an unknown key is an error naming the nearest known one, then the values are validated.
using System.Reflection;
using System.Text.Json;

namespace Interp.Index;

public static class IndexOptionsJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The `Index` section of the settings file at <paramref name="path"/>; defaults when the file or the section
    /// is absent.</summary>
    public static IndexOptions FromAppSettings(string path)
    {
        if (!File.Exists(path)) return new IndexOptions();
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new ArgumentException($"{path} is not valid JSON ({e.Message}); fix the file."); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new ArgumentException($"{path} must hold a JSON object.");
            var section = doc.RootElement.EnumerateObject().FirstOrDefault(p => p.Name.Equals("Index", StringComparison.OrdinalIgnoreCase));
            return section.Value.ValueKind == JsonValueKind.Undefined ? new IndexOptions() : Parse(section.Value, $"{path}: Index");
        }
    }

    public static IndexOptions Parse(JsonElement section, string source)
    {
        CheckKeys(section, typeof(IndexOptions), source);
        IndexOptions o;
        try { o = section.Deserialize<IndexOptions>(Options) ?? new IndexOptions(); }
        catch (JsonException e) { throw new ArgumentException($"{source}: {e.Message}"); }
        o.Validate();
        return o;
    }

    private static void CheckKeys(JsonElement e, Type type, string at)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new ArgumentException($"{at} must be a JSON object.");
        var props = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToList();
        foreach (var p in e.EnumerateObject())
        {
            var match = props.FirstOrDefault(x => x.Name.Equals(p.Name, StringComparison.OrdinalIgnoreCase));
            if (match is null)
                throw new ArgumentException($"{at}: unknown key '{p.Name}'; did you mean '{props.MinBy(x => NameDistance.Levenshtein(x.Name.ToLowerInvariant(), p.Name.ToLowerInvariant()))!.Name}'? " +
                    $"(known: {string.Join(", ", props.Select(x => x.Name))})");
            if (match.PropertyType.IsClass && match.PropertyType != typeof(string) && p.Value.ValueKind == JsonValueKind.Object)
                CheckKeys(p.Value, match.PropertyType, $"{at}:{match.Name}");
        }
    }
}
