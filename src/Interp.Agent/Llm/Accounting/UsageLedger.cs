// Usage and cost per call, persisted in the LlmStore, summed per run, per role and per feature. Cache hits are kept
// (cached = true) with their original token counts but cost nothing and do not count against a budget.
using Interp.Agent.Llm.Outcomes;
using Interp.Agent.Llm.Store;

namespace Interp.Agent.Llm.Accounting;

public sealed record LlmUsageSummary(
    string RunId, int Calls, int CachedCalls, int FailedCalls, LlmUsage Billed,
    IReadOnlyDictionary<string, LlmUsage> ByRole, IReadOnlyDictionary<string, LlmUsage> ByFeature,
    IReadOnlyDictionary<string, int> FailuresByKind);

public sealed class UsageLedger(LlmStore store)
{
    public void Record(LlmCallRecord record) => store.AddCall(record);

    /// <summary>Totals of a run: billed usage (live calls only), per role, per feature, and failures by kind.</summary>
    public LlmUsageSummary Summarize(string runId)
    {
        var calls = store.Calls(runId);
        var billed = LlmUsage.Zero;
        var byRole = new Dictionary<string, LlmUsage>();
        var byFeature = new Dictionary<string, LlmUsage>();
        var failures = new Dictionary<string, int>();
        foreach (var c in calls)
        {
            if (c.Outcome != "ok") failures[c.Outcome] = failures.GetValueOrDefault(c.Outcome) + 1;
            if (c.Cached) continue;
            var u = new LlmUsage(c.PromptTokens, c.CompletionTokens, c.Cost, c.Estimated);
            billed += u;
            byRole[c.Role] = byRole.GetValueOrDefault(c.Role, LlmUsage.Zero) + u;
            if (c.FeatureKey is { } f) byFeature[f] = byFeature.GetValueOrDefault(f, LlmUsage.Zero) + u;
        }
        return new LlmUsageSummary(runId, calls.Count, calls.Count(c => c.Cached), calls.Count(c => c.Outcome != "ok"),
            billed, byRole, byFeature, failures);
    }
}
