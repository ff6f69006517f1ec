// Runs a labeling job over its run store: features in parallel (each worker with its own latent-cache connection), and
// per feature the stages — evidence, explain, then each score and each shuffled score at the same time — doing only what
// the store says is pending or failed with a transient kind, writing each stage in its own transaction, then the FeatureRecord. So a run
// killed at any point and started again with the same command does exactly the missing work and ends with the same
// records. Not the stages' contents (FeatureStages) nor the CLI.
using System.Collections.Concurrent;
using System.Diagnostics;
using Interp.Agent.Labeling.Store;
using Interp.Dictionaries.Cache;

namespace Interp.Agent.Labeling;

/// <param name="Concurrency">features labeled at once</param>
/// <param name="BudgetUsd">stop LLM stages (they end failed over_budget, retried by a later run) once the run's cost reaches
/// this; null for no limit</param>
public sealed record RunOptions(int Concurrency = 2, double? BudgetUsd = null)
{
    public void Validate()
    {
        if (Concurrency is < 1 or > 256) throw new ArgumentException($"--concurrency must be 1..256 (got {Concurrency}).");
        if (BudgetUsd is double b && !(b >= 0)) throw new ArgumentException($"--budget must be a cost in USD >= 0 (got {b}).");
    }
}

public sealed class LabelingRunner(RunStore store, LabelingComponents components, Func<LatentCache> openCache, EvidenceSource evidence,
    RunOptions options)
{
    private readonly ConcurrentBag<LatentCache> _caches = new();
    private readonly Lock _costGate = new();
    private double _cost;
    private int _calls;

    public double CostUsd { get { lock (_costGate) return _cost; } }

    /// <summary>Labels every feature of the store's manifest that is not settled yet; reports after each feature.</summary>
    public async Task<LabelingProgress> RunAsync(IProgress<LabelingProgress>? progress = null, CancellationToken ct = default)
    {
        options.Validate();
        var m = store.Manifest;
        var rows = store.AllStages();
        var settled = SettledFeatures(rows);
        var before = store.Summary();
        (_cost, _calls) = (before.Usage.CostUsd, before.Usage.Calls);
        int done = settled.Count, doneBefore = done, failed = rows.Where(kv => settled.Contains(kv.Key)).Count(kv => kv.Value.Values.Any(r => r.Status == StageStatus.Failed));
        var sw = Stopwatch.StartNew();
        var stages = new FeatureStages(store, components, evidence, this, options);
        LabelingProgress Snapshot() => new(m.Features.Count, done, doneBefore, failed, sw.Elapsed, CostUsd, Volatile.Read(ref _calls));
        progress?.Report(Snapshot());
        try
        {
            var todo = m.Features.Where(f => !settled.Contains(f)).ToList();
            await Parallel.ForEachAsync(todo, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = ct }, async (f, token) =>
            {
                var cache = _caches.TryTake(out var c) ? c : openCache();
                try
                {
                    bool anyFailed = await stages.RunAsync(f, rows[f], cache, token);
                    Interlocked.Increment(ref done);
                    if (anyFailed) Interlocked.Increment(ref failed);
                    progress?.Report(Snapshot());
                }
                finally { _caches.Add(cache); }
            });
        }
        finally
        {
            while (_caches.TryTake(out var c)) c.Dispose();
        }
        return Snapshot();
    }

    /// <summary>Features whose record is written and none of whose stages needs work.</summary>
    private HashSet<int> SettledFeatures(Dictionary<int, Dictionary<string, StageRow>> rows)
    {
        var withRecord = store.RecordFeatures();
        return rows.Where(kv => withRecord.Contains(kv.Key) && !FeatureStages.NeedsAnyWork(kv.Value)).Select(kv => kv.Key).ToHashSet();
    }

    internal void AddUsage(StageUsage u)
    {
        if (u.Calls == 0 && u.CostUsd == 0) return;
        lock (_costGate) { _cost += u.CostUsd; _calls += u.Calls; }
    }

    internal bool OverBudget => options.BudgetUsd is double b && CostUsd >= b;
}
