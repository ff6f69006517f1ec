// The response-cache key: SHA-256 of a canonical JSON of everything that shapes an answer — kind, role, endpoint,
// model, the full messages (or prompt / inputs), every sampling parameter, seed, logprob settings and the prompt
// template version. Change any of them and the key changes; the format version is part of the key too.
using System.Security.Cryptography;
using System.Text.Json;
using Interp.Agent.Llm.Options;
using Interp.Agent.Llm.Wire;

namespace Interp.Agent.Llm.Store;

public static class CacheKey
{
    private const int FormatVersion = 1;

    public static string Chat(LlmRole role, string baseUrl, string model, LlmChatRequest r, LlmSampling s) => Hash(w =>
    {
        Head(w, "chat", role, baseUrl, model, r.PromptVersion);
        w.WriteStartArray("messages");
        foreach (var m in r.Messages) { w.WriteStartArray(); w.WriteStringValue(m.Role); w.WriteStringValue(m.Content); w.WriteEndArray(); }
        w.WriteEndArray();
        Sampling(w, s);
        w.WriteBoolean("logprobs", r.Logprobs);
        Num(w, "top_logprobs", r.TopLogprobs);
        w.WriteBoolean("json_mode", r.JsonMode);
    });

    public static string Completion(LlmRole role, string baseUrl, string model, LlmCompletionRequest r, LlmSampling s) => Hash(w =>
    {
        Head(w, "completion", role, baseUrl, model, r.PromptVersion);
        w.WriteString("prompt", r.Prompt);
        w.WriteNumber("max_tokens", r.MaxTokens);
        w.WriteBoolean("echo", r.Echo);
        Num(w, "logprobs", r.Logprobs);
        Sampling(w, s);
    });

    public static string Embeddings(LlmRole role, string baseUrl, string model, IReadOnlyList<string> inputs, int? dimensions) => Hash(w =>
    {
        Head(w, "embeddings", role, baseUrl, model, null);
        w.WriteStartArray("input");
        foreach (var i in inputs) w.WriteStringValue(i);
        w.WriteEndArray();
        Num(w, "dimensions", dimensions);
    });

    private static void Head(Utf8JsonWriter w, string kind, LlmRole role, string baseUrl, string model, string? promptVersion)
    {
        w.WriteNumber("format", FormatVersion);
        w.WriteString("kind", kind);
        w.WriteString("role", role.Key());
        w.WriteString("endpoint", baseUrl.TrimEnd('/'));
        w.WriteString("model", model);
        w.WriteString("prompt_version", promptVersion);
    }

    private static void Sampling(Utf8JsonWriter w, LlmSampling s)
    {
        w.WriteStartObject("sampling");
        Num(w, "temperature", s.Temperature);
        Num(w, "top_p", s.TopP);
        Num(w, "max_tokens", s.MaxTokens);
        Num(w, "seed", s.Seed);
        Num(w, "presence_penalty", s.PresencePenalty);
        Num(w, "frequency_penalty", s.FrequencyPenalty);
        w.WriteStartArray("stop");
        foreach (var x in s.Stop ?? []) w.WriteStringValue(x);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Num(Utf8JsonWriter w, string name, double? v) { if (v is { } x) w.WriteNumber(name, x); else w.WriteNull(name); }
    private static void Num(Utf8JsonWriter w, string name, long? v) { if (v is { } x) w.WriteNumber(name, x); else w.WriteNull(name); }
    private static void Num(Utf8JsonWriter w, string name, int? v) { if (v is { } x) w.WriteNumber(name, x); else w.WriteNull(name); }

    private static string Hash(Action<Utf8JsonWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) { w.WriteStartObject(); write(w); w.WriteEndObject(); }
        return Convert.ToHexStringLower(SHA256.HashData(ms.ToArray()));
    }
}
