// Reads OpenAI wire-format bodies (chat, legacy completions, embeddings, errors) into our result records.
// Strict on structure: a body without choices or with invalid JSON is a MalformedResponse, never an empty answer.
using System.Text.Json;
using Interp.Agent.Llm.Outcomes;
using Interp.Agent.Llm.Parsing;

namespace Interp.Agent.Llm.Wire;

public static class OpenAiWire
{
    public static ParseResult<LlmChatResult> ParseChat(string body) => ReadChat(System.Text.Encoding.UTF8.GetBytes(body)).Chat;

    /// <summary>
    /// A chat completion from its UTF-8 bytes, with the body's usage (as <see cref="ParseUsage"/>; what a cache hit books)
    /// read in the same pass. The common shape goes through ChatReader's one forward pass; anything it declines (tool calls,
    /// a missing field, invalid JSON) through the document reader below, which words the failure.
    /// </summary>
    public static (ParseResult<LlmChatResult> Chat, (long Prompt, long Completion)? Usage) ReadChat(ReadOnlyMemory<byte> utf8)
    {
        try
        {
            if (ChatReader.TryRead(utf8.Span, out var chat, out var usage)) return (ParseResult<LlmChatResult>.Success(chat), usage);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { }
        return ParseChatDocument(utf8);
    }

    /// <summary>The document reader of a chat completion: every shape, every failure worded (internal for the tests that hold ChatReader to it).</summary>
    internal static (ParseResult<LlmChatResult> Chat, (long Prompt, long Completion)? Usage) ParseChatDocument(ReadOnlyMemory<byte> utf8)
    {
        (long, long)? usage = null;
        try
        {
            using var doc = JsonDocument.Parse(utf8);
            usage = ParseUsage(doc.RootElement);
            if (!FirstChoice(doc.RootElement, out var choice, out string? why)) return (ParseResult<LlmChatResult>.Fail(why!), usage);
            if (!choice.TryGetProperty("message", out var msg) || msg.ValueKind != JsonValueKind.Object)
                return (ParseResult<LlmChatResult>.Fail("choices[0] has no message object"), usage);
            var calls = new List<LlmToolCall>();
            if (msg.TryGetProperty("tool_calls", out var tc) && tc.ValueKind == JsonValueKind.Array)
                foreach (var c in tc.EnumerateArray())
                {
                    var fn = c.GetProperty("function");
                    calls.Add(new LlmToolCall(Str(c, "id") ?? "", Str(fn, "name") ?? "", Str(fn, "arguments") ?? ""));
                }
            List<TokenLogprob>? lps = null;
            if (choice.TryGetProperty("logprobs", out var lp) && lp.ValueKind == JsonValueKind.Object
                && lp.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
            {
                lps = new List<TokenLogprob>();
                foreach (var t in content.EnumerateArray())
                {
                    var top = new List<TopLogprob>();
                    if (t.TryGetProperty("top_logprobs", out var tops) && tops.ValueKind == JsonValueKind.Array)
                        foreach (var a in tops.EnumerateArray()) top.Add(new TopLogprob(Str(a, "token") ?? "", a.GetProperty("logprob").GetDouble()));
                    lps.Add(new TokenLogprob(Str(t, "token") ?? "", t.GetProperty("logprob").GetDouble(), top));
                }
            }
            return (ParseResult<LlmChatResult>.Success(new LlmChatResult(
                Str(msg, "content"), Str(msg, "refusal"), Str(choice, "finish_reason"), lps, calls, Str(doc.RootElement, "model"))), usage);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return (ParseResult<LlmChatResult>.Fail($"not an OpenAI chat completion: {e.Message}"), usage);
        }
    }

    public static ParseResult<LlmCompletionResult> ParseCompletion(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (!FirstChoice(doc.RootElement, out var choice, out string? why)) return ParseResult<LlmCompletionResult>.Fail(why!);
            var tokens = new List<string>(); var lps = new List<double?>(); var tops = new List<IReadOnlyDictionary<string, double>?>(); var offsets = new List<int>();
            if (choice.TryGetProperty("logprobs", out var lp) && lp.ValueKind == JsonValueKind.Object)
            {
                foreach (var t in Arr(lp, "tokens")) tokens.Add(t.GetString() ?? "");
                foreach (var t in Arr(lp, "token_logprobs")) lps.Add(t.ValueKind == JsonValueKind.Null ? null : t.GetDouble());
                foreach (var t in Arr(lp, "top_logprobs"))
                    tops.Add(t.ValueKind == JsonValueKind.Object ? t.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble()) : null);
                foreach (var t in Arr(lp, "text_offset")) offsets.Add(t.GetInt32());
                if (lps.Count != tokens.Count || (tops.Count != 0 && tops.Count != tokens.Count))
                    return ParseResult<LlmCompletionResult>.Fail($"logprobs lists differ in length (tokens {tokens.Count}, token_logprobs {lps.Count}, top_logprobs {tops.Count})");
            }
            return ParseResult<LlmCompletionResult>.Success(new LlmCompletionResult(
                Str(choice, "text") ?? "", Str(choice, "finish_reason"), tokens, lps, tops, offsets));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return ParseResult<LlmCompletionResult>.Fail($"not an OpenAI completion: {e.Message}");
        }
    }

    /// <summary>Embedding vectors in input order; accepts float arrays and base64 (encoding_format=base64).</summary>
    public static ParseResult<float[][]> ParseEmbeddings(string body, int expectedCount)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (!doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
                return ParseResult<float[][]>.Fail("no data array in the embeddings response");
            var result = new float[expectedCount][];
            foreach (var d in data.EnumerateArray())
            {
                int i = d.GetProperty("index").GetInt32();
                if (i < 0 || i >= expectedCount || result[i] is not null) return ParseResult<float[][]>.Fail($"embedding index {i} out of range or repeated");
                var e = d.GetProperty("embedding");
                result[i] = e.ValueKind == JsonValueKind.String
                    ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(e.GetString()!).AsSpan()).ToArray()
                    : e.EnumerateArray().Select(x => x.GetSingle()).ToArray();
                if (result[i].Any(x => !float.IsFinite(x))) return ParseResult<float[][]>.Fail($"embedding {i} has a non-finite value");
            }
            for (int i = 0; i < expectedCount; i++)
                if (result[i] is null) return ParseResult<float[][]>.Fail($"embedding {i} of {expectedCount} missing");
            return ParseResult<float[][]>.Success(result);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return ParseResult<float[][]>.Fail($"not an OpenAI embeddings response: {e.Message}");
        }
    }

    /// <summary>
    /// What accounting needs from a response body — its usage (as <see cref="ParseUsage"/>) and whether it is a refusal (as
    /// <see cref="IsRefusal"/>) — read in one forward pass without building a document: a chat answer with top_logprobs is
    /// megabytes, and the parser that needs its logprobs reads it once more anyway. Throws JsonException when the body is
    /// not JSON, as JsonDocument.Parse would.
    /// </summary>
    public static ((long Prompt, long Completion)? Usage, bool Refusal) Scan(string body)
    {
        byte[] buf = System.Buffers.ArrayPool<byte>.Shared.Rent(System.Text.Encoding.UTF8.GetMaxByteCount(body.Length));
        try
        {
            int n = System.Text.Encoding.UTF8.GetBytes(body, buf);
            return Scan(buf.AsSpan(0, n));
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buf); }
    }

    /// <summary><see cref="Scan(string)"/> over UTF-8 bytes (no byte-order mark).</summary>
    public static ((long Prompt, long Completion)? Usage, bool Refusal) Scan(ReadOnlySpan<byte> utf8)
    {
        var r = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        (long, long)? usage = null;
        bool refusal = false;
        if (!r.Read()) throw new JsonException("empty body");
        if (r.TokenType != JsonTokenType.StartObject) { r.Skip(); End(ref r); return (null, false); }
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("usage"u8)) usage = ReadUsage(ref r);
            else if (r.ValueTextEquals("choices"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.StartArray) { r.Skip(); refusal = false; continue; }
                refusal = false;
                bool first = true;
                while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                {
                    if (!first || r.TokenType != JsonTokenType.StartObject) { r.Skip(); first = false; continue; }
                    first = false;
                    bool refused = false, filtered = false;
                    while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                    {
                        if (r.ValueTextEquals("message"u8))
                        {
                            r.Read();
                            if (r.TokenType != JsonTokenType.StartObject) { r.Skip(); continue; }
                            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                            {
                                bool isRefusal = r.ValueTextEquals("refusal"u8);
                                r.Read();
                                if (isRefusal) refused = r.TokenType == JsonTokenType.String;
                                else r.Skip();
                            }
                        }
                        else if (r.ValueTextEquals("finish_reason"u8))
                        {
                            r.Read();
                            filtered = r.TokenType == JsonTokenType.String && r.ValueTextEquals("content_filter"u8);
                            r.Skip();
                        }
                        else { r.Read(); r.Skip(); }
                    }
                    refusal = refused || filtered;
                }
            }
            else { r.Read(); r.Skip(); }
        }
        End(ref r);
        return (usage, refusal);
    }

    /// <summary>Nothing but whitespace may follow the top-level value.</summary>
    private static void End(ref Utf8JsonReader r)
    {
        if (r.Read()) throw new JsonException($"unexpected {r.TokenType} after the top-level value");
    }

    /// <summary>prompt_tokens / completion_tokens of a body's `usage` object, when present.</summary>
    public static (long Prompt, long Completion)? ParseUsage(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("usage", out var u) || u.ValueKind != JsonValueKind.Object) return null;
        long p = 0, c = 0;
        if (u.TryGetProperty("prompt_tokens", out var pt) && pt.ValueKind == JsonValueKind.Number && !pt.TryGetInt64(out p)) return null;
        if (u.TryGetProperty("completion_tokens", out var ct) && ct.ValueKind == JsonValueKind.Number && !ct.TryGetInt64(out c)) return null;
        return (p, c);
    }

    /// <summary>
    /// <see cref="ParseUsage"/> for a forward reader positioned on the "usage" property name (leaves it on the value's
    /// end): (prompt, completion), absent counts 0; null when the value is not an object or a count is not an Int64
    /// (1.5, 1e3, too large) — such a usage is unreadable, and the call books its estimate instead.
    /// </summary>
    internal static (long Prompt, long Completion)? ReadUsage(ref Utf8JsonReader r)
    {
        r.Read();
        if (r.TokenType != JsonTokenType.StartObject) { r.Skip(); return null; }
        long p = 0, c = 0;
        bool unreadable = false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            bool isP = r.ValueTextEquals("prompt_tokens"u8), isC = r.ValueTextEquals("completion_tokens"u8);
            r.Read();
            if (r.TokenType == JsonTokenType.Number && (isP || isC))
            {
                if (!r.TryGetInt64(out long v)) unreadable = true;
                else if (isP) p = v; else c = v;
            }
            else r.Skip();
        }
        return unreadable ? null : (p, c);
    }

    /// <summary>The failure a non-2xx response stands for: context overflow, exhausted quota, or a plain HTTP status.</summary>
    public static LlmFailure ClassifyHttpError(int status, string body)
    {
        string message = ErrorMessage(body) ?? $"HTTP {status}";
        string lower = body.ToLowerInvariant();
        if (status is 400 or 413 or 422 &&
            (lower.Contains("context_length_exceeded") || lower.Contains("maximum context length") || lower.Contains("exceed_context_size")
             || lower.Contains("context length") || lower.Contains("too many tokens") || lower.Contains("exceeds the available context")))
            return new LlmFailure(LlmFailureKind.ContextOverflow, message, status, body);
        return new LlmFailure(LlmFailureKind.HttpStatus, message, status, body);
    }

    /// <summary>A 200 chat answer that is a refusal (message.refusal set, or finish_reason content_filter).</summary>
    public static bool IsRefusal(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("choices", out var cs) || cs.ValueKind != JsonValueKind.Array || cs.GetArrayLength() == 0)
            return false;
        var c = cs[0];
        return (c.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.Object && Str(m, "refusal") is not null)
               || Str(c, "finish_reason") == "content_filter";
    }

    /// <summary>OpenAI's "insufficient_quota" 429 means credit is exhausted: retrying cannot help.</summary>
    public static bool IsQuotaExhausted(string body) => body.Contains("insufficient_quota", StringComparison.Ordinal);

    public static string? ErrorMessage(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var e))
                return e.ValueKind == JsonValueKind.Object ? Str(e, "message") : e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        }
        catch (JsonException) { }
        return null;
    }

    private static bool FirstChoice(JsonElement root, out JsonElement choice, out string? why)
    {
        choice = default; why = null;
        if (root.ValueKind != JsonValueKind.Object) { why = "the body is not a JSON object"; return false; }
        if (root.TryGetProperty("error", out _) && !root.TryGetProperty("choices", out _)) { why = "error in a 2xx body: " + root.GetProperty("error"); return false; }
        if (!root.TryGetProperty("choices", out var cs) || cs.ValueKind != JsonValueKind.Array || cs.GetArrayLength() == 0) { why = "no choices in the response"; return false; }
        choice = cs[0];
        return true;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static IEnumerable<JsonElement> Arr(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];
}
