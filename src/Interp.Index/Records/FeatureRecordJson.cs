// FeatureRecord to and from JSON (snake_case, one serializer for every writer and reader). Reading refuses a record of
// another schema version with the version found and what to do, instead of guessing at its fields.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Interp.Index.Records;

public static class FeatureRecordJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Serialize(FeatureRecord record, bool indented = false) =>
        JsonSerializer.Serialize(record, indented ? new JsonSerializerOptions(Options) { WriteIndented = true } : Options);

    /// <exception cref="InvalidDataException">malformed JSON, unknown fields, or another schema version</exception>
    public static FeatureRecord Deserialize(string json)
    {
        int version;
        try
        {
            using var doc = JsonDocument.Parse(json);
            version = doc.RootElement.TryGetProperty("schema_version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : -1;
        }
        catch (JsonException e) { throw new InvalidDataException($"a feature record is not valid JSON ({e.Message}).", e); }
        if (version != FeatureRecord.CurrentSchemaVersion)
            throw new InvalidDataException($"a feature record has schema_version {(version < 0 ? "missing" : version)}, this Interp reads " +
                $"version {FeatureRecord.CurrentSchemaVersion}; re-run the labeling run (or `interp index`) with this version to rewrite it.");
        try { return JsonSerializer.Deserialize<FeatureRecord>(json, Options) ?? throw new InvalidDataException("a feature record is JSON null."); }
        catch (JsonException e) { throw new InvalidDataException($"a feature record does not match schema version {version}: {e.Message}", e); }
    }
}
