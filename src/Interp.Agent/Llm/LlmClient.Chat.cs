// Chat calls through the role's SK chat service: cache lookup, budget and accounting (in the role handler), the
// answer read from the raw body (so a cached and a live answer are the same), committed to the cache before use.
using System.Diagnostics;
using Interp.Agent.Llm.Accounting;
using Interp.Agent.Llm.Options;
using Interp.Agent.Llm.Outcomes;
using Interp.Agent.Llm.Parsing;
using Interp.Agent.Llm.Store;
using Interp.Agent.Llm.Wire;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;

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
            () => FromCache(rt, key, context, "chat", OpenAiWire.ParseChat, sw) is { } hit ? Finish(hit.Result, hit.Body, Info(rt, true, null, sw, key), cache: null) : null,
            () => LiveChatAsync(rt, request, sampling, key, context, sw, ct), ct).ConfigureAwait(false);
    }

    private async Task<LlmOutcome<LlmChatResult>> LiveChatAsync(RoleRuntime rt, LlmChatRequest request, LlmSampling sampling, string key,
                                                                LlmCallContext context, Stopwatch sw, CancellationToken ct)
    {
        var history = new ChatHistory();
        foreach (var m in request.Messages)
            history.Add(new Microsoft.SemanticKernel.ChatMessageContent(m.Role switch
            {
                "system" => AuthorRole.System, "user" => AuthorRole.User, "assistant" => AuthorRole.Assistant,
                _ => throw new ArgumentException($"chat message role '{m.Role}' is not system, user or assistant; fix the request"),
            }, m.Content));
        var settings = new OpenAIPromptExecutionSettings
        {
            Temperature = sampling.Temperature, TopP = sampling.TopP, MaxTokens = sampling.MaxTokens, Seed = sampling.Seed,
            PresencePenalty = sampling.PresencePenalty, FrequencyPenalty = sampling.FrequencyPenalty, StopSequences = sampling.Stop,
            Logprobs = request.Logprobs ? true : null, TopLogprobs = request.Logprobs ? request.TopLogprobs : null,
            ResponseFormat = request.JsonMode ? "json_object" : null,
        };

        using var scope = LlmCallScope.Begin(context);
        try { await rt.Chat.GetChatMessageContentAsync(history, settings, kernel: null, ct).ConfigureAwait(false); }
        catch (Exception e) when (Failures.TryMap(e, scope, ct, out var failure))
        {
            var ex = scope.Last;
            return LlmOutcome<LlmChatResult>.Failed(failure, ex?.Usage ?? LlmUsage.Zero, failure.Body ?? ex?.Body, Info(rt, false, ex, sw, key));
        }
        var last = scope.Last!;
        var parsed = OpenAiWire.ParseChat(last.Body ?? "");
        if (!parsed.Ok)
            return LlmOutcome<LlmChatResult>.Failed(new LlmFailure(LlmFailureKind.MalformedResponse, parsed.Error!, last.Status, last.Body),
                last.Usage, last.Body, Info(rt, false, last, sw, key));
        return Finish(parsed.Value, last.Body!, Info(rt, false, last, sw, key), context.Cache == LlmCacheMode.Off ? null : (rt, key, "chat"), last.Usage);
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
    private LlmOutcome<LlmChatResult> Finish(LlmChatResult r, string body, LlmCallInfo info,
                                             (RoleRuntime Rt, string Key, string Kind)? cache, LlmUsage? usage = null)
    {
        usage ??= LlmUsage.Zero;
        if (r.Refusal is { } refusal)
            return LlmOutcome<LlmChatResult>.Failed(new LlmFailure(LlmFailureKind.Refused, refusal), usage, body, info);
        if (r.FinishReason == "content_filter")
            return LlmOutcome<LlmChatResult>.Failed(new LlmFailure(LlmFailureKind.Refused, "finish_reason content_filter"), usage, body, info);
        if (cache is { } c) Store.PutResponse(c.Key, c.Kind, c.Rt.Role.Key(), c.Rt.EndpointName, c.Rt.Model, body);
        return LlmOutcome<LlmChatResult>.Success(r, usage, body, info);
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

    private (T Result, string Body)? FromCache<T>(RoleRuntime rt, string key, LlmCallContext context, string kind, Func<string, ParseResult<T>> parse, Stopwatch sw)
    {
        if (!Store.TryGetResponse(key, out string body)) return null;
        var p = parse(body);
        if (!p.Ok) { Store.RemoveResponse(key); return null; }
        var usage = OpenAiWire.Scan(body).Usage ?? (0, 0);
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
