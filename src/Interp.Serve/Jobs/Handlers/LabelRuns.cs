// What the label and rescore jobs share around a labeling run: the run's progress into the job's progress and log (on the
// runner's thread, so a lost lease stops the run), the end of a run judged from its store (retryable failures left → the
// job fails with their reason, and a retry of the job redoes only those stages; the run store is the no-duplicate-work
// ledger and the LLM response store keeps every answered call), and the indexing of the records as one job step, with
// the change announced so feature pages and page caches follow.
using System.Text.Json;
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.LlmPath;
using Interp.Agent.Labeling.Store;
using Interp.Agent.Llm;
using Interp.Errors;
using Interp.Index;
using Interp.Index.Records;
using Interp.Serve.Catalog;
using Interp.Serve.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Interp.Serve.Jobs.Handlers;

public sealed class LabelRuns(SaeCatalog catalog, SharedFeatureIndex index, FeatureChanges changes)
{
    /// <summary>The LLM components of a run on the LLM path; a clear error when the roles it needs are not configured.</summary>
    public static async Task<(Func<RunManifest, LabelingComponents> Components, string Model)> LlmAsync(JobContext ctx, string runPath, IReadOnlyList<string> scorers, bool explains)
    {
        var llm = ctx.Services.GetRequiredService<LlmClient>();
        CheckRoles(llm, scorers, explains);
        var components = await LlmComponents.PrepareAsync(llm, LlmComponents.LedgerRunId(runPath), new LlmLabelingSettings(new LlmExplainerOptions()), scorers, ct: ctx.Token);
        return (components, llm.IsConfigured(LlmRole.Explainer) ? llm.ModelOf(LlmRole.Explainer) : "");
    }

    public static void CheckRoles(LlmClient llm, IReadOnlyList<string> scorers, bool explains)
    {
        var need = new List<LlmRole>();
        if (explains) need.Add(LlmRole.Explainer);
        if (scorers.Contains(Interp.Agent.Scoring.ScoreMethods.Simulation)) need.Add(LlmRole.Simulator);
        if (scorers.Contains(Interp.Agent.Scoring.ScoreMethods.Detection) || scorers.Contains(Interp.Agent.Scoring.ScoreMethods.Fuzzing)) need.Add(LlmRole.Judge);
        var missing = need.Where(r => !llm.IsConfigured(r)).Select(r => r.Key()).ToList();
        if (missing.Count > 0)
            throw new InterpException($"the LLM path needs the role(s) {string.Join(", ", missing)}, which the Llm section does not configure", "Llm.roles",
                "add them to appsettings.json (Llm.roles.<role>: endpoint, model), or use the offline explainer");
    }

    /// <summary>Runs the job's labeling run with its progress in the job's, then judges the end from the store.</summary>
    public static async Task<LabelingProgress> RunAsync(JobContext ctx, LabelingJob job, string what)
    {
        var store = job.Store;
        ctx.Log($"{what}: run store {store.Path} ({store.RunId}), {store.Manifest.Features.Count} features, explainer {store.Manifest.Explainer}, " +
                $"scorers {string.Join(",", store.Manifest.Scorers)}");
        int lastLogged = -1;
        var final = await job.RunAsync(new Inline(p =>
        {
            ctx.Progress(p.Done, p.Total, $"{p.Done}/{p.Total} features settled, {p.Failed} with a failed stage, {p.Calls} LLM calls (${p.CostUsd:F4})");
            int decile = p.Total == 0 ? 10 : 10 * p.Done / p.Total;
            if (decile != lastLogged)
            {
                if (lastLogged < 0 && p.DoneBefore > 0) ctx.Log($"{p.DoneBefore} features already settled by an earlier start; doing the rest");
                lastLogged = decile;
                ctx.Log(p.Line());
            }
        }), ctx.Token);
        ctx.Token.ThrowIfCancellationRequested();
        return final;
    }

    /// <summary>Fails the job (retryable) when the run left features whose failed stages a retry would redo; otherwise
    /// returns the records and the count of permanent failures (states, not errors: no activations, no partner, ...).</summary>
    public static (IReadOnlyList<FeatureRecord> Records, int Permanent) Settle(JobContext ctx, RunStore store)
    {
        var records = store.ReadRecords();
        var retryable = records.SelectMany(r => r.Failures.Where(f => FailureKinds.IsRetryable(f.Kind)).Select(f => (r.Feature, f))).ToList();
        int missing = store.Manifest.Features.Count - records.Count;
        if (retryable.Count > 0 || missing > 0)
        {
            var features = retryable.Select(x => x.Feature).Distinct().Count();
            var kinds = string.Join(", ", retryable.GroupBy(x => x.f.Kind).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} ×{g.Count()}"));
            var first = retryable.Count > 0 ? $"; first: feature {retryable[0].Feature} {retryable[0].f.Stage}: {Cut(retryable[0].f.Reason)}" : "";
            string text = $"{features + missing} of {store.Manifest.Features.Count} features did not finish ({kinds}{(missing > 0 ? $"{(kinds.Length > 0 ? ", " : "")}{missing} without a record" : "")}){first}";
            ctx.Log(text, "error");
            throw new InterpException(text, store.Path,
                $"fix the cause (the LLM endpoint?) and retry the job: POST /api/jobs/{ctx.JobId}/retry redoes only those stages, answered LLM calls are not sent again");
        }
        return (records, records.Count(r => r.Failures.Count > 0));
    }

    /// <summary>Indexes the records (a job step: done once) with the SAE's decoder directions and announces the new labels.</summary>
    public async Task<IndexingSummary> IndexAsync(JobContext ctx, string sae, IReadOnlyList<FeatureRecord> records)
    {
        var summary = await ctx.StepAsync("index", async ct =>
        {
            var ix = await index.GetAsync(ct);
            var dec = catalog.Decoder(sae);
            return await FeatureIndexer.IndexAsync(records, ix, r => r.Sae.Id == dec.SaeId ? dec.Row(r.Feature) : null,
                new Inline<int>(n => ctx.Progress(n, records.Count, $"indexing: {n}/{records.Count} records written")), ct);
        });
        Announce(ctx, changes, FeatureChangeKind.Labels, sae, records.Select(r => r.Feature).ToList());
        ctx.Log($"indexed {records.Count} records: the feature pages show their labels and scores");
        return summary;
    }

    public static void Announce(JobContext ctx, FeatureChanges changes, FeatureChangeKind kind, string? sae, IReadOnlyCollection<int>? features = null)
    {
        foreach (var e in changes.Announce(kind, sae, features))
            ctx.Log($"a follower of the {kind.ToString().ToLowerInvariant()} change failed: {ErrorClassifier.Classify(e).Text}", "warning");
    }

    public static string Result(RunStore store, LabelingProgress p, int permanent, IndexingSummary? indexed) => JsonSerializer.Serialize(new
    {
        run = store.Path, run_id = store.RunId, derived_from = store.DerivedFrom, features = p.Total, records = store.RecordFeatures().Count,
        done_before = p.DoneBefore, with_permanent_failure = permanent, llm_calls = p.Calls, cost_usd = p.CostUsd, indexed,
    }, ServeJson.Options);

    private static string Cut(string s) => s.Length <= 200 ? s : s[..200] + "…";

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool, where a lost lease would be an
    /// unhandled exception instead of stopping the run).</summary>
    private sealed class Inline(Action<LabelingProgress> report) : IProgress<LabelingProgress>
    {
        private readonly Lock _gate = new();
        public void Report(LabelingProgress value) { lock (_gate) report(value); }
    }

    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
