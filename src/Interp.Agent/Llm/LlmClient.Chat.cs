// Chat calls posted as OpenAI JSON through the role's HttpClient (the same handler chain SK's requests take: budget,
// accounting, the endpoint's pipeline): cache lookup, the answer read once from the raw body (so a cached and a live
// answer are the same), committed to the cache before use. SK-driven work (tools, streaming) uses CreateKernel.
using System.Diagnostics;
using Interp.Agent.Llm.Accounting;
using Interp.Agent.Llm.Options;
using Interp.Agent.Llm.Outcomes;
using Interp.Agent.Llm.Parsing;
using Interp.Agent.Llm.Store;
using Interp.Agent.Llm.Wire;
using System.Text.Json.Nodes;

namespace Interp.Agent.Llm;

public sealed partial class LlmClient
{
    /// <summary>One chat completion. Never throws for an LLM failure (see the outcome); throws LlmConfigException for a config error.</summary>
    public async Task<LlmOutcome<LlmChatResult>> ChatAsync(LlmRole role, LlmChatRequest request, LlmCallContext? context = null, CancellationToken ct = default)
    {
        var rt = Runtime(role);
        context ??= LlmCallContext.Adhoc;
        CheckBudgetPricing(rt, context);
        var sampling = (request.Sampling ?? new LlmSampling()).Over(rt.Options.Sampling);
        string key = CacheKey.Chat(role, rt.Endpoint.BaseUrl, rt.Model, request, sampling);
        var sw = Stopwatch.StartNew();

        return await CachedOrLive(key, context,
            () => FromCache(rt, key, context, "chat", b => OpenAiWire.ReadChat(b.Utf8), sw) is { } hit ? Finish(hit.Result, hit.Body, Info(rt, true, null, sw, key), cache: null) : null,
            () => LiveChatAsync(rt, request, sampling, key, context, sw, ct), ct).ConfigureAwait(false);
    }

    private async Task<LlmOutcome<LlmChatResult>> LiveChatAsync(RoleRuntime rt, LlmChatRequest request, LlmSampling sampling, string key,
                                                                LlmCallContext context, Stopwatch sw, CancellationToken ct)
    {
        var (last, failure) = await PostAsync(rt, "chat/completions", ChatBody(rt.Model, request, sampling), context, ct).ConfigureAwait(false);
        if (failure is not null)
            return failure.Body is null ? LlmOutcome<LlmChatResult>.FailedBody(failure, last?.Usage ?? LlmUsage.Zero, last?.Response, Info(rt, false, last, sw, key))
                : LlmOutcome<LlmChatResult>.Failed(failure, last?.Usage ?? LlmUsage.Zero, failure.Body, Info(rt, false, last, sw, key));
        if (last is null)
            return LlmOutcome<LlmChatResult>.Failed(new LlmFailure(LlmFailureKind.Network, "no response was recorded for the request"), LlmUsage.Zero, null, Info(rt, false, null, sw, key));
        var body = last.Response ?? ResponseBody.FromText("");
        var parsed = OpenAiWire.ReadChat(body.Utf8).Chat;
        if (!parsed.Ok)
            return LlmOutcome<LlmChatResult>.FailedBody(new LlmFailure(LlmFailureKind.MalformedResponse, parsed.Error!, last.Status, body.Text),
                last.Usage, body, Info(rt, false, last, sw, key));
        return Finish(parsed.Value, body, Info(rt, false, last, sw, key), context.Cache == LlmCacheMode.Off ? null : (rt, key, "chat"), last.Usage);
    }

    /// <summary>
    /// A chat call whose content must pass <paramref name="parser"/>. A parse failure is a MalformedOutput outcome with the raw
    /// text kept, and the cached response is dropped so that a later run asks again.
    /// </summary>
    public async Task<LlmOutcome<T>> ChatAsync<T>(LlmRole role, LlmChatRequest request, Func<string, ParseResult<T>> parser,
                                                  LlmCallContext? context = null, CancellationToken ct = default)
    {
        var outcome = await ChatAsync(role, request, context, ct).ConfigureAwait(false);
        var parsed = outcome.Parse(r => r.Content ?? "", parser);
        if (!parsed.Succeeded && parsed.Failure!.Kind == LlmFailureKind.MalformedOutput && outcome.Info.CacheKey is { } k)
            Store.RemoveResponse(k);
        return parsed;
    }

    /// <summary>A refusal is a failure even though HTTP said 200; anything else is stored (committed) before it is returned.</summary>
    private LlmOutcome<LlmChatResult> Finish(LlmChatResult r, ResponseBody body, LlmCallInfo info,
                                             (RoleRuntime Rt, string Key, string Kind)? cache, LlmUsage? usage = null)
    {
        usage ??= LlmUsage.Zero;
        if (r.Refusal is { } refusal)
            return LlmOutcome<LlmChatResult>.FailedBody(new LlmFailure(LlmFailureKind.Refused, refusal), usage, body, info);
        if (r.FinishReason == "content_filter")
            return LlmOutcome<LlmChatResult>.FailedBody(new LlmFailure(LlmFailureKind.Refused, "finish_reason content_filter"), usage, body, info);
        if (cache is { } c) Store.PutResponse(c.Key, c.Kind, c.Rt.Role.Key(), c.Rt.EndpointName, c.Rt.Model, body.Utf8);
        return LlmOutcome<LlmChatResult>.SuccessBody(r, usage, body, info);
    }

    /// <summary>
    /// The chat request as the OpenAI connector writes it (same fields, same order: what SK sent here before), posted by
    /// this client itself so that only one parser reads the answer — the SDK's object model for an answer with
    /// top_logprobs at every token costs more CPU than the call's whole bookkeeping. The role handler adds `max_tokens`.
    /// </summary>
    internal static JsonObject ChatBody(string model, LlmChatRequest request, LlmSampling s)
    {
        var messages = new JsonArray();
        foreach (var m in request.Messages)
        {
            if (m.Role is not ("system" or "user" or "assistant"))
                throw new ArgumentException($"chat message role '{m.Role}' is not system, user or assistant; fix the request");
            messages.Add(new JsonObject { ["role"] = m.Role, ["content"] = m.Content });
        }
        var body = new JsonObject();
        if (s.Temperature is { } t) body["temperature"] = (float)t;
        if (request.Logprobs && request.TopLogprobs is { } n) body["top_logprobs"] = n;
        if (s.TopP is { } p) body["top_p"] = (float)p;
        body["messages"] = messages;
        body["model"] = model;
        if (s.MaxTokens is { } max) body["max_completion_tokens"] = max;
        if (s.FrequencyPenalty is { } fp) body["frequency_penalty"] = (float)fp;
        if (s.PresencePenalty is { } pp) body["presence_penalty"] = (float)pp;
        if (request.JsonMode) body["response_format"] = new JsonObject { ["type"] = "json_object" };
        if (s.Stop is { Count: > 0 } stop) body["stop"] = new JsonArray(stop.Select(x => (JsonNode)x).ToArray());
        if (request.Logprobs) body["logprobs"] = true;
        if (s.Seed is { } seed) body["seed"] = seed;
        return body;
    }

    /// <summary>
    /// The cached answer, else one live call per key at a time: a request identical to one already on the wire (a shuffled
    /// score whose prompt equals another feature's own, two features with the same label) waits for that call and takes
    /// its answer from the cache, as it would have if it had come a moment later — one call paid, not two. A waiter whose
    /// leader failed (nothing cached) makes its own call. Only with LlmCacheMode.Use; Off and Refresh always call.
    /// </summary>
    private async Task<LlmOutcome<T>> CachedOrLive<T>(string key, LlmCallContext context, Func<LlmOutcome<T>?> fromCache,
                                                      Func<Task<LlmOutcome<T>>> live, CancellationToken ct)
    {
        if (context.Cache != LlmCacheMode.Use) return await live().ConfigureAwait(false);
        while (true)
        {
            if (fromCache() is { } hit) return hit;
            var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var running = _live.GetOrAdd(key, mine.Task);
            if (running != mine.Task)
            {
                await running.WaitAsync(ct).ConfigureAwait(false);
                continue;
            }
            try
            {
                if (fromCache() is { } late) return late;   // the previous leader committed between our lookup and taking the key
                return await live().ConfigureAwait(false);
            }
            finally
            {
                _live.TryRemove(new KeyValuePair<string, Task>(key, mine.Task));
                mine.SetResult();
            }
        }
    }

    /// <summary>The cached answer read as bytes and parsed once; <paramref name="parse"/> also gives the usage to book (the
    /// original call's, as ParseUsage reads it).</summary>
    private (T Result, ResponseBody Body)? FromCache<T>(RoleRuntime rt, string key, LlmCallContext context, string kind,
                                                       Func<ResponseBody, (ParseResult<T> Parsed, (long, long)? Usage)> parse, Stopwatch sw)
    {
        if (!Store.TryGetResponseUtf8(key, out byte[] bytes)) return null;
        var body = ResponseBody.FromUtf8(bytes);
        var (p, used) = parse(body);
        if (!p.Ok) { Store.RemoveResponse(key); return null; }
        var usage = used ?? (0, 0);
        Ledger.Record(new LlmCallRecord(DateTimeOffset.UtcNow, context.RunId, context.FeatureKey, rt.Role.Key(), rt.EndpointName, rt.Model,
            usage.Item1, usage.Item2, 0, Cached: true, "ok", 200, 0, sw.Elapsed.TotalMilliseconds, false));
        return (p.Value, body);
    }

    /// <summary>A money budget cannot be kept for a model without a price: say so before spending anything.</summary>
    private void CheckBudgetPricing(RoleRuntime rt, LlmCallContext context)
    {
        if (context.Budget?.MaxCost is not null && !Options.Prices.ContainsKey(rt.Model))
            throw new LlmConfigException($"{LlmOptionsLoader.Section}.prices: no price for model '{rt.Model}' (role {rt.Role.Key()}), so a money budget cannot be kept; " +
                                         "add its input_per_million and output_per_million, or give the budget in tokens");
    }

    private static LlmCallInfo Info(RoleRuntime rt, bool fromCache, LlmExchange? ex, Stopwatch sw, string? key) =>
        new(rt.Role, rt.EndpointName, rt.Model, fromCache, ex?.Attempts ?? 0, ex?.RetryDelays ?? [], sw.Elapsed, key);
}
