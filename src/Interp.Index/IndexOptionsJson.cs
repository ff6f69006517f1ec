// Reads the `Index` section of appsettings.json into IndexOptions through ConfigJson: snake_case keys like every other
// section; an unknown key is an error naming the nearest known one, then the values are validated.
using System.Text.Json;

namespace Interp.Index;

public static class IndexOptionsJson
{
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

    /// <summary>The section through ConfigJson, the convention of every config file (snake_case keys; unknown keys and
    /// wrong types are ConfigExceptions naming the key and the nearest known one), then the values are validated.</summary>
    public static IndexOptions Parse(JsonElement section, string source)
    {
        var o = Interp.Config.ConfigJson.FromElement<IndexOptions>(section, source);
        o.Validate();
        return o;
    }
}
