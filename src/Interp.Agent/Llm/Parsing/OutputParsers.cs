// Strict parsers for what models write back: a JSON array, an `[EXPLANATION]:`-style line, one number, tool
// arguments. They forgive packaging (code fences, surrounding whitespace) and nothing else: prose around a value,
// NaN, a wrong length, an unknown argument are errors, never a default.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Interp.Agent.Llm.Parsing;

public readonly record struct ParseResult<T>(bool Ok, T Value, string? Error)
{
    public static ParseResult<T> Success(T value) => new(true, value, null);
    public static ParseResult<T> Fail(string error) => new(false, default!, error);
}

public static partial class OutputParsers
{
    /// <summary>Trims whitespace and one enclosing Markdown code fence (```, ```json, ~~~).</summary>
    public static string StripFences(string text)
    {
        string t = text.Trim();
        var m = FenceRegex().Match(t);
        return m.Success ? m.Groups["body"].Value.Trim() : t;
    }

    /// <summary>The whole text must be one JSON array of numbers (finite), of <paramref name="expectedLength"/> when given.</summary>
    public static ParseResult<double[]> NumberArray(string text, int? expectedLength = null, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        var arr = JsonArrayOf(text);
        if (!arr.Ok) return ParseResult<double[]>.Fail(arr.Error!);
        var values = new double[arr.Value.Count];
        for (int i = 0; i < values.Length; i++)
        {
            if (arr.Value[i] is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
                return ParseResult<double[]>.Fail($"element {i} is {Describe(arr.Value[i])}, expected a number");
            double d = v.GetValue<double>();
            if (!double.IsFinite(d) || d < min || d > max)
                return ParseResult<double[]>.Fail($"element {i} is {d.ToString(CultureInfo.InvariantCulture)}, expected a finite number in [{min}, {max}]");
            values[i] = d;
        }
        if (expectedLength is { } n && values.Length != n)
            return ParseResult<double[]>.Fail($"array has {values.Length} elements, expected {n}");
        return ParseResult<double[]>.Success(values);
    }

    /// <summary>The whole text must be one JSON array of strings, of <paramref name="expectedLength"/> when given.</summary>
    public static ParseResult<string[]> StringArray(string text, int? expectedLength = null)
    {
        var arr = JsonArrayOf(text);
        if (!arr.Ok) return ParseResult<string[]>.Fail(arr.Error!);
        var values = new string[arr.Value.Count];
        for (int i = 0; i < values.Length; i++)
        {
            if (arr.Value[i] is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
                return ParseResult<string[]>.Fail($"element {i} is {Describe(arr.Value[i])}, expected a string");
            values[i] = v.GetValue<string>();
        }
        if (expectedLength is { } n && values.Length != n)
            return ParseResult<string[]>.Fail($"array has {values.Length} elements, expected {n}");
        return ParseResult<string[]>.Success(values);
    }

    /// <summary>The whole text (fences and whitespace aside) must be one JSON array.</summary>
    public static ParseResult<JsonArray> JsonArrayOf(string text)
    {
        string t = StripFences(text);
        if (!t.StartsWith('[')) return ParseResult<JsonArray>.Fail($"expected a JSON array, found {Snippet(t)}");
        try
        {
            var node = JsonNode.Parse(t);
            return node is JsonArray a ? ParseResult<JsonArray>.Success(a) : ParseResult<JsonArray>.Fail($"expected a JSON array, found {Snippet(t)}");
        }
        catch (JsonException e) { return ParseResult<JsonArray>.Fail($"not a JSON array ({e.Message.Split(" Path:")[0]}): {Snippet(t)}"); }
    }

    /// <summary>
    /// The text after <paramref name="tag"/> (e.g. "[EXPLANATION]:") on the one line that starts with it. Exactly one such line
    /// must exist and its value must be non-empty; other lines (reasoning before it) are allowed.
    /// </summary>
    public static ParseResult<string> TaggedLine(string text, string tag)
    {
        var hits = StripFences(text).Split('\n').Select(l => l.Trim())
            .Where(l => l.StartsWith(tag, StringComparison.Ordinal)).Select(l => l[tag.Length..].Trim()).ToList();
        if (hits.Count == 0) return ParseResult<string>.Fail($"no line starts with '{tag}'");
        if (hits.Count > 1) return ParseResult<string>.Fail($"{hits.Count} lines start with '{tag}', expected exactly one");
        if (hits[0].Length == 0) return ParseResult<string>.Fail($"the '{tag}' line is empty");
        return ParseResult<string>.Success(hits[0]);
    }

    /// <summary>The whole text must be one finite number (invariant culture) in [min, max]: "7", "7.5", "-1e-3"; not "7/10" or "about 7".</summary>
    public static ParseResult<double> Number(string text, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        string t = StripFences(text);
        if (!NumberRegex().IsMatch(t)) return ParseResult<double>.Fail($"expected one number, found {Snippet(t)}");
        double d = double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (!double.IsFinite(d) || d < min || d > max)
            return ParseResult<double>.Fail($"number {t} is outside [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]");
        return ParseResult<double>.Success(d);
    }

    /// <summary>The whole text must be one integer in [min, max].</summary>
    public static ParseResult<int> Integer(string text, int min = int.MinValue, int max = int.MaxValue)
    {
        string t = StripFences(text);
        if (!IntegerRegex().IsMatch(t) || !int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v))
            return ParseResult<int>.Fail($"expected one integer, found {Snippet(t)}");
        if (v < min || v > max) return ParseResult<int>.Fail($"integer {v} is outside [{min}, {max}]");
        return ParseResult<int>.Success(v);
    }

    /// <summary>Tool-call arguments (a JSON object string) read strictly into <typeparamref name="T"/> (snake_case, unknown keys rejected).</summary>
    public static ParseResult<T> ToolArguments<T>(string argumentsJson) where T : class
    {
        string t = StripFences(argumentsJson);
        if (!t.StartsWith('{')) return ParseResult<T>.Fail($"tool arguments must be a JSON object, found {Snippet(t)}");
        try
        {
            var v = JsonSerializer.Deserialize<T>(t, Options.StrictJson.Options);
            return v is null ? ParseResult<T>.Fail("tool arguments are null") : ParseResult<T>.Success(v);
        }
        catch (JsonException e) { return ParseResult<T>.Fail($"tool arguments do not match {typeof(T).Name}: {e.Message.Split(" Path:")[0]} (at {e.Path})"); }
    }

    private static string Describe(JsonNode? n) => n is null ? "null" : n.GetValueKind().ToString().ToLowerInvariant();

    private static string Snippet(string t) => t.Length == 0 ? "nothing" : "'" + (t.Length > 80 ? t[..80] + "…" : t) + "'";

    [GeneratedRegex(@"^(```|~~~)[A-Za-z0-9_-]*[ \t]*\r?\n(?<body>[\s\S]*?)\r?\n?\1$")]
    private static partial Regex FenceRegex();

    [GeneratedRegex(@"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")]
    private static partial Regex NumberRegex();

    [GeneratedRegex(@"^[-+]?\d+$")]
    private static partial Regex IntegerRegex();
}
