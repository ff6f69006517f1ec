// A FeatureFilter from JSON, as a tool call or `interp search --filter` gives it: snake_case field names, unknown fields
// rejected naming the nearest known one, values checked (FeatureFilter.Validate). `exclude` is not a JSON field.
using System.Text.Json;

namespace Interp.Index;

public static class FeatureFilterJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The JSON field names, in declaration order.</summary>
    public static IReadOnlyList<string> Fields { get; } = typeof(FeatureFilter).GetProperties()
        .Where(p => p.CanWrite && p.Name != nameof(FeatureFilter.Exclude)).Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name)).ToList();

    /// <exception cref="ArgumentException">not a JSON object, an unknown field (with the nearest known one), a bad value</exception>
    public static FeatureFilter Parse(string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new ArgumentException($"the filter is not valid JSON ({e.Message}); give an object such as {{\"layer\": 2, \"min_score\": 0.5}}."); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new ArgumentException("the filter must be a JSON object such as {\"layer\": 2, \"min_score\": 0.5}.");
            foreach (var p in doc.RootElement.EnumerateObject())
                if (!Fields.Contains(p.Name))
                    throw new ArgumentException($"the filter has an unknown field '{p.Name}'; did you mean '{Fields.MinBy(f => Interp.Errors.NameSuggestions.Distance(f, p.Name))}'? " +
                        $"Fields: {string.Join(", ", Fields)}.");
            FeatureFilter f;
            try { f = doc.RootElement.Deserialize<FeatureFilter>(Options) ?? FeatureFilter.None; }
            catch (JsonException e) { throw new ArgumentException($"the filter field {e.Path?.TrimStart('$', '.')} has a value of the wrong type ({e.Message})."); }
            f.Validate();
            return f;
        }
    }
}
