// Calls SK has no connector for, posted as OpenAI JSON through the role's HttpClient (same pipeline, budget and
// accounting): legacy `/v1/completions` (echo + logprobs, the vLLM/SGLang simulator path) and `/v1/embeddings`.
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Interp.Agent.Llm.Accounting;
using Interp.Agent.Llm.Options;
using Interp.Agent.Llm.Outcomes;
using Interp.Agent.Llm.Parsing;
using Interp.Agent.Llm.Store;
using Interp.Agent.Llm.Wire;

namespace Interp.Agent.Llm;

public sealed partial class LlmClient
{
    public async Task<LlmOutcome<LlmCompletionResult>> CompleteAsync(LlmRole role, LlmCompletionRequest request,
                                                                     LlmCallContext? context = null, CancellationToken ct = default)
    {
        var rt = Runtime(role);
        context ??= LlmCallContext.Adhoc;
        CheckBudgetPricing(rt, context);
        var s = (request.Sampling ?? new LlmSampling()).Over(rt.Options.Sampling);
        string key = CacheKey.Completion(role, rt.Endpoint.BaseUrl, rt.Model, request, s);
        var body = new JsonObject { ["model"] = rt.Model, ["prompt"] = request.Prompt, ["max_tokens"] = request.MaxTokens };
        if (request.Echo) body["echo"] = true;
        if (request.Logprobs is { } n) body["logprobs"] = n;
        AddSampling(body, s);
        return await RawAsync(rt, "completions", body, key, context, OpenAiWire.ParseCompletion, ct).ConfigureAwait(false);
    }

    /// <summary>Embedding vectors for <paramref name="inputs"/>, in order (at most a few thousand per call).</summary>
    public async Task<LlmOutcome<float[][]>> EmbedAsync(LlmRole role, IReadOnlyList<string> inputs, int? dimensions = null,
                                                        LlmCallContext? context = null, CancellationToken ct = default)
    {
        var rt = Runtime(role);
        context ??= LlmCallContext.Adhoc;
        CheckBudgetPricing(rt, context);
        if (inputs.Count == 0) throw new ArgumentException("embeddings: no inputs; pass at least one string");
        string key = CacheKey.Embeddings(role, rt.Endpoint.BaseUrl, rt.Model, inputs, dimensions);
        var body = new JsonObject { ["model"] = rt.Model, ["input"] = new JsonArray(inputs.Select(i => (JsonNode)i).ToArray()), ["encoding_format"] = "float" };
        if (dimensions is { } d) body["dimensions"] = d;
        return await RawAsync(rt, "embeddings", body, key, context, b => OpenAiWire.ParseEmbeddings(b, inputs.Count), ct).ConfigureAwait(false);
    }

    private async Task<LlmOutcome<T>> RawAsync<T>(RoleRuntime rt, string path, JsonObject body, string key, LlmCallContext context,
                                                  Func<string, ParseResult<T>> parse, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        return await CachedOrLive(key, context,
            () => FromCache(rt, key, context, path, b => (parse(b.Text), OpenAiWire.Scan(b.Utf8.Span).Usage), sw) is { } hit
                ? LlmOutcome<T>.SuccessBody(hit.Result, LlmUsage.Zero, hit.Body, Info(rt, true, null, sw, key)) : null,
            () => LiveRawAsync(rt, path, body, key, context, parse, sw, ct), ct).ConfigureAwait(false);
    }

    private async Task<LlmOutcome<T>> LiveRawAsync<T>(RoleRuntime rt, string path, JsonObject body, string key, LlmCallContext context,
                                                      Func<string, ParseResult<T>> parse, Stopwatch sw, CancellationToken ct)
    {
        var (last, failure) = await PostAsync(rt, path, body, context, ct).ConfigureAwait(false);
        if (failure is not null)
            return LlmOutcome<T>.Failed(failure, last?.Usage ?? LlmUsage.Zero, failure.Body ?? last?.Body, Info(rt, false, last, sw, key));
        var p = parse(last!.Body ?? "");
        if (!p.Ok)
            return LlmOutcome<T>.Failed(new LlmFailure(LlmFailureKind.MalformedResponse, p.Error!, last.Status, last.Body), last.Usage, last.Body, Info(rt, false, last, sw, key));
        if (context.Cache != LlmCacheMode.Off) Store.PutResponse(key, path, rt.Role.Key(), rt.EndpointName, rt.Model, last.Response!.Utf8);
        return LlmOutcome<T>.SuccessBody(p.Value, last.Usage, last.Response, Info(rt, false, last, sw, key));
    }

    /// <summary>POSTs JSON to `{base}/{path}`; returns the exchange the role handler recorded, or the failure.</summary>
    internal async Task<(LlmExchange? Exchange, LlmFailure? Failure)> PostAsync(RoleRuntime rt, string path, JsonObject body, LlmCallContext context, CancellationToken ct)
    {
        using var scope = LlmCallScope.Begin(context);
        try
        {
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await rt.Http.PostAsync(new Uri(rt.BaseUrl, path), content, ct).ConfigureAwait(false);
            var last = scope.Last;
            return (last, last?.Failure);
        }
        catch (Exception e) when (Failures.TryMap(e, scope, ct, out var f)) { return (scope.Last, f); }
    }

    /// <summary>GETs `{base}/{path}` through the pipeline (the probe reads /v1/models with it).</summary>
    internal async Task<(LlmExchange? Exchange, LlmFailure? Failure)> GetAsync(RoleRuntime rt, string path, LlmCallContext context, CancellationToken ct)
    {
        using var scope = LlmCallScope.Begin(context);
        try
        {
            using var response = await rt.Http.GetAsync(new Uri(rt.BaseUrl, path), ct).ConfigureAwait(false);
            var last = scope.Last;
            return (last, last?.Failure);
        }
        catch (Exception e) when (Failures.TryMap(e, scope, ct, out var f)) { return (scope.Last, f); }
    }

    private static void AddSampling(JsonObject body, LlmSampling s)
    {
        if (s.Temperature is { } t) body["temperature"] = t;
        if (s.TopP is { } p) body["top_p"] = p;
        if (s.Seed is { } seed) body["seed"] = seed;
        if (s.PresencePenalty is { } pp) body["presence_penalty"] = pp;
        if (s.FrequencyPenalty is { } fp) body["frequency_penalty"] = fp;
        if (s.Stop is { Count: > 0 } stop) body["stop"] = new JsonArray(stop.Select(x => (JsonNode)x).ToArray());
    }
}
