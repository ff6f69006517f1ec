// What the LLM path of a labeling run shares: the client, the run's id (ledger and response-cache scope), and the
// translation of the LLM layer's outcomes into labeling outcomes — usage counted only for calls actually sent (a cache
// hit costs nothing and is no call), and a failed call kept as a failed state with its kind, reason and raw text.
using Interp.Agent.Llm;
using Interp.Agent.Llm.Accounting;
using Interp.Agent.Llm.Outcomes;
using Interp.Agent.Llm.Wire;
using Interp.Agent.Prompts;

namespace Interp.Agent.Labeling.LlmPath;

public sealed class LlmCalls(LlmClient client, string runId)
{
    public LlmClient Client { get; } = client;
    public string RunId { get; } = runId;

    /// <summary>The call context of one feature's calls (ledger rows carry run and feature). Calls wait out an open circuit:
    /// the breaker opening says nothing about this feature, so it must not fail the feature (until the endpoint is down).</summary>
    public LlmCallContext For(int feature) => new(RunId) { FeatureKey = $"feature/{feature}", Cache = LlmCacheMode.Use, WaitOutOpenCircuit = true };

    public static StageUsage Usage<T>(LlmOutcome<T> o) =>
        o.Info.FromCache ? StageUsage.None : new StageUsage(1, o.Usage.PromptTokens, o.Usage.CompletionTokens, o.Usage.Cost ?? 0);

    /// <summary>A failed LLM outcome as a stage error: kind (snake_case, as the LLM layer names it), reason, raw text or body.</summary>
    public static StageError Error<T>(LlmOutcome<T> o, string what) =>
        new(o.Failure!.KindKey, $"{what}: {o.Failure}", o.Raw ?? o.Failure.Body);

    /// <summary>The rendered prompt's messages for the wire; its "name@version#hash" goes into the response-cache key.</summary>
    public static LlmChatRequest Chat(RenderedPrompt p) =>
        new(p.Messages.Select(m => new LlmMessage(m.Role, m.Content)).ToList()) { PromptVersion = p.CacheKey };

    /// <summary>The rendered prompt as one text, for legacy completions (system text, a blank line, the user text).</summary>
    public static string Flat(RenderedPrompt p) => string.Join("\n\n", p.Messages.Select(m => m.Content));
}
