// Finds out what an endpoint/model supports by asking it small questions (a few tokens each) through the normal
// pipeline, and caches the answer in the LlmStore for Llm.probe_ttl_hours. An unreachable endpoint is an error, not
// a cached "supports nothing".
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Agent.Llm.Accounting;
using Interp.Agent.Llm.Options;
using Interp.Agent.Llm.Outcomes;
using Interp.Agent.Llm.Wire;

namespace Interp.Agent.Llm.Probe;

public sealed class LlmProbeFailedException(string message, LlmFailure failure) : Exception(message)
{
    public LlmFailure Failure { get; } = failure;
}

public static class CapabilityProbe
{
    public const string ToolName = "probe_echo";
    private const string EchoPrompt = "The quick brown fox jumps over the lazy dog";

    /// <summary>The capabilities of <paramref name="role"/>'s endpoint and model, from the cache when fresh unless <paramref name="refresh"/>.</summary>
    public static async Task<LlmCapabilities> ProbeAsync(this LlmClient client, LlmRole role, bool refresh = false, CancellationToken ct = default)
    {
        var rt = client.Runtime(role);
        string baseUrl = rt.Endpoint.BaseUrl.TrimEnd('/');
        if (!refresh && client.Store.GetProbe(baseUrl, rt.Model) is { } cached
            && DateTimeOffset.UtcNow - cached.ProbedAt < TimeSpan.FromHours(client.Options.ProbeTtlHours))
            return JsonSerializer.Deserialize<LlmCapabilities>(cached.Json, StrictJson.Options)! with { FromCache = true };

        var ctx = new LlmCallContext("probe") { Cache = LlmCacheMode.Off };
        var chat = await Post(client, rt, "chat/completions", Chat(rt.Model, "Reply with the single word: ok", 5), ctx, ct);
        if (chat.Failure is { } f)
            throw new LlmProbeFailedException($"{baseUrl} ({rt.Model}): a plain chat request failed: {f}; check base_url, model and the API key", f);

        // the remaining questions are independent of one another: asked at the same time (one round trip instead of five;
        // each still goes through the endpoint's pipeline and limit)
        var probedAt = DateTimeOffset.UtcNow;
        var tools = Tools(client, rt, ctx, ct);
        var echo = Echo(client, rt, ctx, ct);
        var json = Json(client, rt, ctx, ct);
        var logprobs = Logprobs(client, rt, ctx, ct);
        var context = ContextLength(client, rt, ctx, ct);
        await Task.WhenAll(tools, echo, json, logprobs, context);
        var (lp, maxTop) = await logprobs;
        var (ctxLen, source) = await context;
        var caps = new LlmCapabilities
        {
            BaseUrl = baseUrl, Model = rt.Model, ProbedAt = probedAt,
            Chat = new Capability(true, "chat/completions answered"),
            ToolCalls = await tools, CompletionsEcho = await echo, JsonMode = await json,
            Logprobs = lp, MaxTopLogprobs = maxTop, ContextLength = ctxLen, ContextLengthSource = source,
        };
        client.Store.PutProbe(baseUrl, rt.Model, JsonSerializer.Serialize(caps, StrictJson.Options), caps.ProbedAt);
        return caps;
    }

    /// <summary>A tiny chat body; `max_tokens` is added by the role handler only where the endpoint's send_max_tokens allows it.</summary>
    private static JsonObject Chat(string model, string user, int maxTokens) => new()
    {
        ["model"] = model, ["temperature"] = 0, ["max_completion_tokens"] = maxTokens,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = user }),
    };

    private static async Task<Capability> Tools(LlmClient client, LlmClient.RoleRuntime rt, LlmCallContext ctx, CancellationToken ct)
    {
        var body = Chat(rt.Model, $"Call the tool {ToolName} with value \"ok\".", 64);
        body["tools"] = JsonNode.Parse("""
            [{"type":"function","function":{"name":"probe_echo","description":"Echoes a value back.",
              "parameters":{"type":"object","properties":{"value":{"type":"string"}},"required":["value"]}}}]
            """);
        body["tool_choice"] = "auto";
        var r = await Post(client, rt, "chat/completions", body, ctx, ct);
        if (r.Failure is { } f) return new Capability(false, $"tools rejected: {f}");
        var p = ChatAnswer(r.Exchange!);
        if (!p.Ok) return new Capability(false, $"unreadable answer: {p.Error}");
        return p.Value.ToolCalls.Any(c => c.Name == ToolName)
            ? new Capability(true, "tool_calls returned")
            : new Capability(false, "tools accepted but no tool call came back (server without tool parsing, or the model did not call it)");
    }

    private static async Task<(Capability, int?)> Logprobs(LlmClient client, LlmClient.RoleRuntime rt, LlmCallContext ctx, CancellationToken ct)
    {
        string last = "";
        foreach (int top in new[] { 20, 5, 1 })
        {
            var body = Chat(rt.Model, "Say a digit.", 1);
            body["logprobs"] = true;
            body["top_logprobs"] = top;
            var r = await Post(client, rt, "chat/completions", body, ctx, ct);
            if (r.Failure is { } f) { last = $"top_logprobs={top} rejected: {f}"; continue; }
            var p = ChatAnswer(r.Exchange!);
            if (!p.Ok) return (new Capability(false, $"unreadable answer: {p.Error}"), null);
            if (p.Value.Logprobs is not { Count: > 0 } lps) return (new Capability(false, "logprobs requested but none came back (ignored by the server)"), null);
            int got = lps[0].Top.Count;
            return (new Capability(true, $"top_logprobs requested {top}, returned {got}"), got);
        }
        return (new Capability(false, last), null);
    }

    private static async Task<Capability> Echo(LlmClient client, LlmClient.RoleRuntime rt, LlmCallContext ctx, CancellationToken ct)
    {
        var body = new JsonObject { ["model"] = rt.Model, ["prompt"] = EchoPrompt, ["max_tokens"] = 1, ["echo"] = true, ["logprobs"] = 5, ["temperature"] = 0 };
        var r = await Post(client, rt, "completions", body, ctx, ct);
        if (r.Failure is { } f) return new Capability(false, $"completions echo rejected: {f}");
        var p = OpenAiWire.ParseCompletion(r.Exchange!.Body!);
        if (!p.Ok) return new Capability(false, $"unreadable answer: {p.Error}");
        var c = p.Value;
        if (!string.Concat(c.Tokens).StartsWith(EchoPrompt, StringComparison.Ordinal))
            return new Capability(false, "echo ignored: logprobs cover only generated tokens");
        if (c.TopLogprobs.Count(t => t is { Count: > 0 }) < 2)
            return new Capability(false, "echo returned the prompt but no alternatives per prompt token");
        return new Capability(true, $"echo + logprobs over {c.Tokens.Count} tokens");
    }

    private static async Task<Capability> Json(LlmClient client, LlmClient.RoleRuntime rt, LlmCallContext ctx, CancellationToken ct)
    {
        var body = Chat(rt.Model, "Return a JSON object with the key \"ok\" set to true.", 16);
        body["response_format"] = new JsonObject { ["type"] = "json_object" };
        var r = await Post(client, rt, "chat/completions", body, ctx, ct);
        if (r.Failure is { } f) return new Capability(false, $"response_format rejected: {f}");
        var p = ChatAnswer(r.Exchange!);
        if (!p.Ok) return new Capability(false, $"unreadable answer: {p.Error}");
        try
        {
            return JsonNode.Parse(Parsing.OutputParsers.StripFences(p.Value.Content ?? "")) is JsonObject
                ? new Capability(true, "json_object honoured") : new Capability(false, "answer is JSON but not an object");
        }
        catch (JsonException) { return new Capability(false, "response_format accepted but the answer is not JSON"); }
    }

    private static async Task<(int?, string?)> ContextLength(LlmClient client, LlmClient.RoleRuntime rt, LlmCallContext ctx, CancellationToken ct)
    {
        var (ex, failure) = await client.GetAsync(rt, "models", ctx, ct);
        if (failure is not null || ex?.Body is null) return (null, null);
        try
        {
            var models = JsonNode.Parse(ex.Body)?["data"] as JsonArray;
            var m = models?.OfType<JsonObject>().FirstOrDefault(x => (string?)x["id"] == rt.Model);
            if (m is null) return (null, null);
            foreach (var field in new[] { "max_model_len", "context_length", "context_window", "max_context_length" })
                if (m[field] is JsonValue v && v.TryGetValue(out int n)) return (n, $"/v1/models {field}");
            if (m["meta"]?["n_ctx_train"] is JsonValue nv && nv.TryGetValue(out int nctx)) return (nctx, "/v1/models meta.n_ctx_train");
        }
        catch (JsonException) { }
        return (null, null);
    }

    /// <summary>A probe's chat answer, read from the bytes the role handler kept (no text decoded and encoded again).</summary>
    private static Parsing.ParseResult<LlmChatResult> ChatAnswer(LlmExchange x) => OpenAiWire.ReadChat(x.Response?.Utf8 ?? ReadOnlyMemory<byte>.Empty).Chat;

    private static Task<(LlmExchange? Exchange, LlmFailure? Failure)> Post(LlmClient client, LlmClient.RoleRuntime rt, string path, JsonObject body,
                                                                          LlmCallContext ctx, CancellationToken ct) =>
        client.PostAsync(rt, path, body, ctx, ct);
}
