// Builds the stand-in's answers in the OpenAI wire format: chat completions (content, refusal, tool_calls, logprobs
// with top_logprobs), streamed chunks, legacy completions (echo + logprobs), embeddings and the model list. Tokens
// are the stand-in's own pieces (a word or a punctuation mark with its leading spaces), not a real tokenizer's.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Interp.Agent.StandIn;

internal static partial class StandInReplies
{
    public const double DefaultLogprob = -0.01;
    public static readonly long Created = 1_700_000_000;

    public static List<string> Tokens(string text) => TokenRegex().Matches(text).Select(m => m.Value).ToList();

    [GeneratedRegex(@"\s*(?:[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_])|\s+$")]
    private static partial Regex TokenRegex();

    public static int PromptTokens(JsonObject body)
    {
        if (body["messages"] is JsonArray msgs)
            return msgs.Sum(m => 4 + Tokens(ContentOf(m)).Count);
        if (body["prompt"] is JsonValue p) return Tokens((string?)p ?? "").Count;
        if (body["input"] is JsonArray a) return a.Sum(x => Tokens((string?)x ?? "").Count);
        if (body["input"] is JsonValue v) return Tokens((string?)v ?? "").Count;
        return 0;
    }

    public static string ContentOf(JsonNode? message) => message?["content"] switch
    {
        JsonValue v when v.TryGetValue(out string? s) => s ?? "",
        JsonArray parts => string.Concat(parts.Select(p => (string?)p?["text"] ?? "")),
        _ => "",
    };

    /// <summary>The content cut to the request's max_tokens / max_completion_tokens (the smaller), and whether it was cut.</summary>
    public static (List<string> Tokens, bool Cut) Limit(string content, JsonObject body)
    {
        var toks = Tokens(content);
        int? limit = Min((int?)body["max_tokens"], (int?)body["max_completion_tokens"]);
        return limit is { } n && toks.Count > n ? (toks.Take(n).ToList(), true) : (toks, false);
    }

    private static int? Min(int? a, int? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

    /// <summary>One position's logprob entry: the chosen token, and up to <paramref name="n"/> alternatives.</summary>
    public static JsonObject LogprobEntry(string token, Dictionary<string, double>? alternatives, int n)
    {
        var (chosen, top) = Alternatives(token, alternatives, n);
        var entries = top.Select(t => (JsonNode)new JsonObject { ["token"] = t.Token, ["logprob"] = t.Logprob, ["bytes"] = Bytes(t.Token) }).ToArray();
        return new JsonObject { ["token"] = token, ["logprob"] = chosen, ["bytes"] = Bytes(token), ["top_logprobs"] = new JsonArray(entries) };
    }

    /// <summary>The same entry as <see cref="LogprobEntry"/>, written straight to <paramref name="w"/> (same bytes, no
    /// node tree: a simulator answer has thousands of positions × 20 alternatives).</summary>
    public static void WriteLogprobEntry(System.Text.Json.Utf8JsonWriter w, string token, Dictionary<string, double>? alternatives, int n)
    {
        // an entry depends only on (token, the reply's alternatives, n), and the same few tokens recur at every position of
        // an answer: written once, then copied (the stand-in shares the machine's cores with the client it answers)
        var key = (token, alternatives, n);
        if (!EntryBytes.TryGetValue(key, out var bytes))
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
            using (var entry = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Encoder = w.Options.Encoder, SkipValidation = true }))
                WriteLogprobEntryCore(entry, token, alternatives, n);
            bytes = buffer.WrittenSpan.ToArray();
            if (EntryBytes.Count >= MaxCachedEntries) EntryBytes.Clear();
            EntryBytes[key] = bytes;
        }
        w.WriteRawValue(bytes, skipInputValidation: true);
    }

    private const int MaxCachedEntries = 50_000;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, Dictionary<string, double>?, int), byte[]> EntryBytes = new();

    private static void WriteLogprobEntryCore(System.Text.Json.Utf8JsonWriter w, string token, Dictionary<string, double>? alternatives, int n)
    {
        var (chosen, top) = Alternatives(token, alternatives, n);
        w.WriteStartObject();
        w.WriteString("token", token);
        w.WriteNumber("logprob", chosen);
        WriteBytes(w, token);
        w.WriteStartArray("top_logprobs");
        foreach (var t in top)
        {
            w.WriteStartObject();
            w.WriteString("token", t.Token);
            w.WriteNumber("logprob", t.Logprob);
            WriteBytes(w, t.Token);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The chosen token's logprob and the top <paramref name="n"/> (token, logprob), highest first.</summary>
    private static (double Chosen, IEnumerable<(string Token, double Logprob)> Top) Alternatives(string token, Dictionary<string, double>? alternatives, int n)
    {
        double chosen = alternatives is not null && alternatives.TryGetValue(token.Trim(), out var lp) ? lp : DefaultLogprob;
        var top = new List<(string Token, double Logprob)> { (token, chosen) };
        if (alternatives is not null)
            top.AddRange(alternatives.Where(a => a.Key != token.Trim()).Select(a => (a.Key, a.Value)));
        // A real vocabulary always has n alternatives: pad with fillers below every scripted one.
        double floor = Math.Min(-5.0, top.Min(t => t.Logprob) - 1);
        for (int i = 1; top.Count < n; i++) top.Add(($"<alt{i}>", floor - i));
        return (chosen, top.OrderByDescending(t => t.Logprob).Take(n));
    }

    private static void WriteBytes(System.Text.Json.Utf8JsonWriter w, string s)
    {
        w.WriteStartArray("bytes");
        Span<byte> buf = stackalloc byte[256];
        int len = Encoding.UTF8.GetByteCount(s);
        var bytes = len <= buf.Length ? buf[..len] : new byte[len];
        Encoding.UTF8.GetBytes(s, bytes);
        foreach (var b in bytes) w.WriteNumberValue((int)b);
        w.WriteEndArray();
    }

    private static JsonArray Bytes(string s) => new(Encoding.UTF8.GetBytes(s).Select(b => (JsonNode)(int)b).ToArray());

    /// <summary>Tool calls with each name as the client spelled it in `tools` (exact, or `plugin-name` / `plugin_name` / `plugin.name`).</summary>
    public static JsonArray ToolCalls(IEnumerable<StandInToolCall> calls, JsonObject body)
    {
        var sent = (body["tools"] as JsonArray)?.Select(t => (string?)t?["function"]?["name"]).OfType<string>().ToList() ?? [];
        int i = 0;
        return new JsonArray(calls.Select(c =>
        {
            string name = sent.FirstOrDefault(s => s == c.Name)
                          ?? sent.FirstOrDefault(s => s.EndsWith("-" + c.Name) || s.EndsWith("_" + c.Name) || s.EndsWith("." + c.Name))
                          ?? c.Name;
            return (JsonNode)new JsonObject
            {
                ["id"] = $"call_{++i}", ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = name, ["arguments"] = c.ArgumentsRaw ?? c.Arguments?.ToJsonString() ?? "{}" },
            };
        }).ToArray());
    }

    public static JsonObject Usage(int prompt, int completion) =>
        new() { ["prompt_tokens"] = prompt, ["completion_tokens"] = completion, ["total_tokens"] = prompt + completion };

    public static JsonObject Error(string message, string type, string? code = null) =>
        new() { ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = null, ["code"] = code } };

    /// <summary>A deterministic unit vector for a text (same text, same vector), for /v1/embeddings.</summary>
    public static float[] Embedding(string text, int dims)
    {
        var seed = BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0);
        var rng = new Random(seed);
        var v = new float[dims];
        double norm = 0;
        for (int i = 0; i < dims; i++) { v[i] = (float)(rng.NextDouble() * 2 - 1); norm += v[i] * v[i]; }
        float inv = (float)(1 / Math.Sqrt(norm));
        for (int i = 0; i < dims; i++) v[i] *= inv;
        return v;
    }

    public static JsonObject Models(StandInScript script) => new()
    {
        ["object"] = "list",
        ["data"] = new JsonArray(script.Models.Select(m =>
        {
            var o = new JsonObject { ["id"] = m.Id, ["object"] = "model", ["created"] = Created, ["owned_by"] = "interp-stand-in" };
            if (m.ContextLength is { } n) o["max_model_len"] = n;
            return (JsonNode)o;
        }).ToArray()),
    };
}
