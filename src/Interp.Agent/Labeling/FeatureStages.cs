// The stages of one feature, run against its stored rows: evidence (from the cache), explain (the explainer), each score
// and each shuffled score (the scorers, on the feature's own score set or on the next run feature's; run concurrently once
// the explanations exist), then the record.
// A stage that ran is written at once with its outcome; a successful explain re-opens the scores, a failed one blocks
// them (failed "blocked", settled until explain runs again). Failures stay states: no score is ever made up.
using Interp.Agent.Explainers;
using Interp.Agent.Labeling.Examples;
using Interp.Agent.Labeling.Store;
using Interp.Agent.Scoring;
using Interp.Dictionaries.Cache;
using Interp.Index.Records;

namespace Interp.Agent.Labeling;

/// <summary>A score stage's outcome for one explanation: its score, or its failure.</summary>
public sealed record ScoreEntry(int ExplanationIndex, Score? Score, StageError? Error);

internal sealed class FeatureStages(RunStore store, LabelingComponents components, EvidenceSource evidence, LabelingRunner runner, RunOptions options)
{
    public const string Blocked = "blocked";
    private static readonly string Version = typeof(FeatureStages).Assembly.GetName().Version?.ToString() ?? "0";
    private readonly RunManifest _m = store.Manifest;

    public static bool NeedsAnyWork(IReadOnlyDictionary<string, StageRow> rows) => rows.Values.Any(r => r.NeedsWork && !IsBlockedPending(r, rows));

    /// <summary>Score rows left pending behind an explain stage that failed for good are not work (nothing can run them).</summary>
    private static bool IsBlockedPending(StageRow r, IReadOnlyDictionary<string, StageRow> rows) =>
        StageNames.IsScore(r.Stage) && r.Status == StageStatus.Pending && rows.TryGetValue(StageNames.Explain, out var e)
        && e.Status == StageStatus.Failed && !e.NeedsWork;

    /// <summary>Runs what <paramref name="rows"/> says is left for <paramref name="f"/>; true when the settled feature has a
    /// failed stage.</summary>
    public async Task<bool> RunAsync(int f, Dictionary<string, StageRow> rows, LatentCache cache, CancellationToken ct)
    {
        // 1. evidence: stored, or built from the cache
        FeatureEvidence ev;
        var evRow = rows[StageNames.Evidence];
        if (evRow.Succeeded) ev = RunJson.Read<FeatureEvidence>(evRow.Result!, $"feature {f} evidence");
        else
        {
            ev = evidence.Get(f, cache);
            Put(rows, Row(evRow, StageStatus.Succeeded, null, RunJson.Write(ev), StageUsage.None));
        }

        // 2. explain
        var exRow = rows[StageNames.Explain];
        if (exRow.NeedsWork)
        {
            var outcome = runner.OverBudget && components.LlmStages.Contains(StageNames.Explain)
                ? Outcome<IReadOnlyList<Explanation>>.Fail(FailureKinds.OverBudget, $"the run's cost reached the budget of ${options.BudgetUsd}")
                : await Guard(() => components.Explainer.ExplainAsync(new ExplainRequest(f, ev.Explain, ev.Promoted, ev.Suppressed), ct));
            runner.AddUsage(outcome.Usage);
            var updated = new List<StageRow>
            {
                outcome.Succeeded ? Row(exRow, StageStatus.Succeeded, null, RunJson.Write(outcome.Value), outcome.Usage)
                                  : Row(exRow, StageStatus.Failed, outcome.Error, null, outcome.Usage),
            };
            foreach (var s in ScoreStages())
                updated.Add(outcome.Succeeded ? rows[s] with { Status = StageStatus.Pending, Kind = null, Reason = null, Raw = null, Result = null, Usage = StageUsage.None }
                    : rows[s] with { Status = StageStatus.Failed, Kind = Blocked, Reason = $"not run: the explain stage failed ({outcome.Error!.Kind})", Raw = null, Result = null, Usage = StageUsage.None, Updated = DateTimeOffset.UtcNow });
            Put(rows, [.. updated]);
        }
        var explanations = rows[StageNames.Explain].Succeeded
            ? RunJson.Read<List<Explanation>>(rows[StageNames.Explain].Result!, $"feature {f} explanations") : null;

        // 3. scores, own and shuffled: independent of one another once the explanations exist, so they run at the same
        // time (their LLM calls queue at the endpoint's concurrency limit, which keeps its call slots full); each stage is
        // written the moment it ends. The shuffled stages' partner examples are read first, on this worker's cache.
        if (explanations is not null)
        {
            var running = new List<Task>();
            foreach (var s in ScoreStages())
            {
                var row = rows[s];
                if (!row.NeedsWork) continue;
                var examples = Examples(f, s, ev, cache);
                running.Add(ScoreAndPut(s, row, examples));
            }
            await Task.WhenAll(running);

            async Task ScoreAndPut(string s, StageRow row, (int, IReadOnlyList<LabelingExample>)? examples) =>
                Put(rows, await Score(f, s, row, examples, explanations, ct));
        }

        // 4. the record
        var record = Assemble(f, ev, rows, explanations);
        store.Write([], record);
        return record.Failures.Count > 0;
    }

    private IEnumerable<string> ScoreStages() => _m.Stages().Where(StageNames.IsScore);

    /// <summary>A score stage's examples: the feature's own score set, or for a shuffled stage the next run feature's (null
    /// when no other feature has an activating score window).</summary>
    private (int Partner, IReadOnlyList<LabelingExample> Examples)? Examples(int f, string stage, FeatureEvidence ev, LatentCache cache)
    {
        if (!stage.EndsWith(ScoreMethods.ShuffledSuffix, StringComparison.Ordinal)) return (f, ev.Score);
        var p = Partner(f, cache);
        return p is null ? null : (p.Feature, p.Score);
    }

    private async Task<StageRow> Score(int f, string stage, StageRow row, (int Partner, IReadOnlyList<LabelingExample> Examples)? target,
        List<Explanation> explanations, CancellationToken ct)
    {
        bool shuffled = stage.EndsWith(ScoreMethods.ShuffledSuffix, StringComparison.Ordinal);
        string method = stage["score:".Length..];
        if (shuffled) method = method[..^ScoreMethods.ShuffledSuffix.Length];
        var scorer = components.Scorers[method];
        if (target is not { } t)
            return Row(row, StageStatus.Failed, new StageError(FailureKinds.NoPartner, "no other feature of the run has an activating score window"), null, StageUsage.None);
        var (partner, examples) = t;
        if (runner.OverBudget && components.LlmStages.Contains(stage))
            return Row(row, StageStatus.Failed, new StageError(FailureKinds.OverBudget, $"the run's cost reached the budget of ${options.BudgetUsd}"), null, StageUsage.None);
        // each explanation scored at the same time (several LLM samples); entries in explanation order
        var outcomes = await Task.WhenAll(explanations.Select((e, i) =>
        {
            ulong seed = ExampleSelector.Mix(_m.Examples.Seed, (ulong)f, StableHash(stage) + (ulong)i);
            return Guard(() => scorer.ScoreAsync(new ScoreRequest(f, e.Text, i, examples, seed), ct));
        }));
        var entries = new List<ScoreEntry>();
        var usage = StageUsage.None;
        for (int i = 0; i < outcomes.Length; i++)
        {
            var o = outcomes[i];
            usage = usage.Add(o.Usage);
            var score = o.Succeeded && shuffled
                ? o.Value with { Method = method + ScoreMethods.ShuffledSuffix, Metrics = new Dictionary<string, double>(o.Value.Metrics) { ["partner_feature"] = partner } }
                : o.Succeeded ? o.Value : null;
            entries.Add(new ScoreEntry(i, score, o.Error));
        }
        runner.AddUsage(usage);
        var firstError = entries.FirstOrDefault(e => e.Error is not null)?.Error;
        return Row(row, firstError is null ? StageStatus.Succeeded : StageStatus.Failed, firstError, RunJson.Write(entries), usage);
    }

    /// <summary>The shuffled score's examples: those of the next feature of the run (cyclic) that has an activating window in
    /// its score set.</summary>
    private FeatureEvidence? Partner(int f, LatentCache cache)
    {
        var list = _m.Features;
        int at = IndexOf(list, f);
        for (int step = 1; step < list.Count; step++)
        {
            var ev = evidence.Get(list[(at + step) % list.Count], cache);
            if (ev.Score.Any(e => e.IsActivating)) return ev;
        }
        return null;
    }

    private static int IndexOf(IReadOnlyList<int> list, int f)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == f) return i;
        throw new ArgumentException($"feature {f} is not in the run.");
    }

    private FeatureRecord Assemble(int f, FeatureEvidence ev, Dictionary<string, StageRow> rows, List<Explanation>? explanations)
    {
        var scores = new List<Score>();
        var failures = new List<StageFailure>();
        foreach (var stage in _m.Stages())
        {
            var r = rows[stage];
            if (StageNames.IsScore(stage) && r.Result is not null)
                foreach (var e in RunJson.Read<List<ScoreEntry>>(r.Result, $"feature {f} {stage}"))
                {
                    if (e.Score is not null) scores.Add(e.Score);
                    else if (e.Error is not null)
                        failures.Add(new StageFailure(explanations?.Count > 1 ? $"{stage}#{e.ExplanationIndex}" : stage, e.Error.Kind, e.Error.Reason, e.Error.Raw, r.Updated ?? store.CreatedAt));
                }
            else if (r.Status == StageStatus.Failed)
                failures.Add(new StageFailure(stage, r.Kind ?? FailureKinds.Internal, r.Reason ?? "", r.Raw, r.Updated ?? store.CreatedAt));
        }
        return new FeatureRecord
        {
            Sae = _m.Sae, Model = _m.Model, Feature = f, Explanations = explanations ?? [], Scores = scores, Stats = ev.Stats,
            Promoted = ev.Promoted, Suppressed = ev.Suppressed, Failures = failures,
            Provenance = new Provenance(store.RunId, store.CreatedAt, Version),
        };
    }

    /// <summary>Writes <paramref name="updated"/> and keeps <paramref name="rows"/> in step (score stages finish concurrently).</summary>
    private void Put(Dictionary<string, StageRow> rows, params StageRow[] updated)
    {
        store.Write(updated);
        lock (rows) foreach (var r in updated) rows[r.Stage] = r;
    }

    private static StageRow Row(StageRow old, string status, StageError? error, string? result, StageUsage usage) =>
        old with
        {
            Status = status, Kind = error?.Kind, Reason = error?.Reason, Raw = error?.Raw, Result = result,
            Attempts = old.Attempts + 1, Usage = usage, Updated = DateTimeOffset.UtcNow,
        };

    /// <summary>An explainer or scorer that throws (a bug, a broken component) ends the stage failed with the exception's
    /// message, as an LLM error would; cancellation still stops the run.</summary>
    private static async Task<Outcome<T>> Guard<T>(Func<Task<Outcome<T>>> call)
    {
        try { return await call(); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Outcome<T>.Fail(FailureKinds.Internal, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>FNV-1a of the stage name: a seed component that is the same in every process.</summary>
    internal static ulong StableHash(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (var c in s) { h ^= c; h *= 1099511628211UL; }
        return h;
    }
}
