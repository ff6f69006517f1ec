// The one serializer for configuration files (config.json, cfg.json, training configs, tokenizer.json): System.Text.Json
// records with snake_case names and snake_case enum strings. Before deserializing, the JSON is checked against the
// record's own contract (JsonTypeInfo), so that every problem is a ConfigException naming the file, the key, what was
// found, what was expected and the nearest known key — never a serializer message with .NET type names.
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Interp.Errors;
using Interp.Tensors.IO;

namespace Interp.Config;

/// <summary>What a reader allows beyond the record's own properties.</summary>
/// <param name="ExtraKeys">top-level keys that are known but not interpreted (HF's "architectures", SAELens's
/// "sae_lens_version"): accepted into the record's [JsonExtensionData] dictionary when it has one, else dropped.</param>
/// <param name="What">how the file is named in messages, e.g. "config.json (gpt2)".</param>
public sealed record ConfigRules(IReadOnlySet<string>? ExtraKeys = null, string? What = null);

public static class ConfigJson
{
    /// <summary>The options every config record is read and written with.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static readonly JsonDocumentOptions DocOptions = new()
    {
        AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, AllowDuplicateProperties = false,
    };

    private static JsonSerializerOptions CreateOptions()
    {
        var o = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            AllowTrailingCommas = true,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowDuplicateProperties = false,
            AllowOutOfOrderMetadataProperties = true,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
            NumberHandling = JsonNumberHandling.Strict,
            WriteIndented = true,
            TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
        };
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        o.MakeReadOnly();
        return o;
    }

    /// <summary>Reads a config file (which must be a regular file) as <typeparamref name="T"/>.</summary>
    public static T ReadFile<T>(string path, ConfigRules? rules = null) =>
        Parse<T>(InputFiles.ReadAllText(path, rules?.What ?? Path.GetFileName(path)), path, rules);

    /// <summary>Parses config text; <paramref name="source"/> (the file path) names it in errors.</summary>
    public static T Parse<T>(string json, string source, ConfigRules? rules = null)
    {
        using var doc = ParseDocument(json, source);
        return FromElement<T>(doc.RootElement, source, rules);
    }

    /// <summary>The JSON document of config text, or a ConfigException saying where the syntax breaks.</summary>
    public static JsonDocument ParseDocument(string json, string source)
    {
        try { return JsonDocument.Parse(json, DocOptions); }
        catch (JsonException e)
        {
            if (FirstDuplicate(json) is { } dup)
                throw new ConfigException($"\"{dup}\" is given twice", source, dup, "keep one of them", e);
            throw new ConfigException($"not valid JSON: {JsonErrorText.Describe(e)}", source, null, "fix the JSON syntax", e);
        }
    }

    /// <summary>The dotted path of the first key given twice in one object (System.Text.Json's message cuts long names).</summary>
    private static string? FirstDuplicate(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, DocOptions with { AllowDuplicateProperties = true });
            return Walk(doc.RootElement, "");
        }
        catch (JsonException) { return null; }

        static string? Walk(JsonElement e, string path)
        {
            if (e.ValueKind == JsonValueKind.Array)
            {
                int i = 0;
                foreach (var x in e.EnumerateArray()) if (Walk(x, $"{path}[{i++}]") is { } d) return d;
            }
            if (e.ValueKind != JsonValueKind.Object) return null;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in e.EnumerateObject())
            {
                string key = path.Length == 0 ? p.Name : $"{path}.{p.Name}";
                if (!seen.Add(p.Name)) return key;
                if (Walk(p.Value, key) is { } d) return d;
            }
            return null;
        }
    }

    /// <summary>Checks <paramref name="e"/> against <typeparamref name="T"/>'s contract, then deserializes it.</summary>
    public static T FromElement<T>(JsonElement e, string source, ConfigRules? rules = null)
    {
        new Checker(source, rules).Check(e, typeof(T), "", nullable: false, root: true);
        try { return e.Deserialize<T>(Options) ?? throw new ConfigException("the file holds null; expected a JSON object of settings", source); }
        catch (JsonException ex)
        {
            // The check above should have caught it; say where anyway, in words.
            throw new ConfigException($"a value cannot be read: {JsonErrorText.Describe(ex)}", source, ex.Path, "fix the value named", ex);
        }
    }

    /// <summary>Same as <see cref="FromElement{T}"/> for a JsonNode tree (readers that rewrite old spellings first).</summary>
    public static T FromNode<T>(JsonNode? node, string source, ConfigRules? rules = null)
    {
        using var doc = JsonDocument.Parse(node?.ToJsonString() ?? "null");
        return FromElement<T>(doc.RootElement, source, rules);
    }

    /// <summary>Writes a config record with the same names and enum spellings it is read with.</summary>
    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>The JSON spelling of an enum value ("gelu_new" for GeluNew, or its [JsonStringEnumMemberName]).</summary>
    public static string EnumName<TEnum>(TEnum value) where TEnum : struct, Enum => ConfigTypes.EnumNames(typeof(TEnum))
        .First(n => n.value.Equals(value)).name;

    /// <summary>Every JSON spelling of <typeparamref name="TEnum"/>, in declaration order.</summary>
    public static IReadOnlyList<string> EnumNames<TEnum>() where TEnum : struct, Enum =>
        ConfigTypes.EnumNames(typeof(TEnum)).Select(n => n.name).ToList();
}
