// How tool results are written for a model to read: compact JSON, snake_case keys, no nulls, non-finite numbers as
// null (JSON has no NaN), numbers rounded to 4 significant decimals where the record says so. One options object for
// the kernel functions, MCP, `interp chat /call` and `interp tool`, so every face prints the same record the same way.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Interp.Agent.Tools;

public static class ToolJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower), new FiniteDouble(), new FiniteFloat() },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Rounds for display: 4 decimals (tool results are read by models and people, not re-computed from).</summary>
    public static double R(double v) => double.IsFinite(v) ? Math.Round(v, 4) : v;

    private sealed class FiniteDouble : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader r, Type t, JsonSerializerOptions o) => r.TokenType == JsonTokenType.Null ? double.NaN : r.GetDouble();
        public override void Write(Utf8JsonWriter w, double v, JsonSerializerOptions o) { if (double.IsFinite(v)) w.WriteNumberValue(v); else w.WriteNullValue(); }
    }

    private sealed class FiniteFloat : JsonConverter<float>
    {
        public override float Read(ref Utf8JsonReader r, Type t, JsonSerializerOptions o) => r.TokenType == JsonTokenType.Null ? float.NaN : r.GetSingle();
        public override void Write(Utf8JsonWriter w, float v, JsonSerializerOptions o) { if (float.IsFinite(v)) w.WriteNumberValue(Math.Round(v, 4)); else w.WriteNullValue(); }
    }
}
