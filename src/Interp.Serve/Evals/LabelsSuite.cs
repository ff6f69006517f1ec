// The `labels` eval suite: a fixed sample of an SAE's features (Features of them, drawn by Seed, so every run labels the
// same ones) labeled and scored over the SAE's latent cache — the offline explainer unless the suite says "llm", then the
// Llm section's explainer/simulator/judge roles — into a run store of its own under Worker.data_dir/evals/<suite>/. The
// metrics: each scorer's mean score over the sample (normal 95 % interval), the share of features whose real score beats
// the shuffled one per shuffled scorer, and the share labeled (Wilson intervals). The run store makes a run resumable
// (a crash or restart redoes only missing stages; answered LLM calls are not sent again); a run whose LLM stages failed
// ends failed, like a label job, and no metric is made up from a partial sample.
using Interp.Agent.Labeling;
using Interp.Agent.Llm;
using Interp.Agent.Prompts;
using Interp.Agent.Scoring;
using Interp.Errors;
using Interp.Index.Records;
using Interp.Serve.Catalog;
using Interp.Serve.Jobs;
using Interp.Serve.Jobs.Handlers;
using Interp.Serve.Settings;
using Microsoft.Extensions.DependencyInjection;

namespace Interp.Serve.Evals;

public static class LabelsSuite
{
    /// <summary>The sample: <paramref name="n"/> distinct features of 0..dSae-1 drawn by <paramref name="seed"/>, sorted.</summary>
    public static IReadOnlyList<int> Sample(int dSae, int n, int seed)
    {
        var all = Enumerable.Range(0, dSae).ToArray();
        var rng = new Random(seed);                              // the seeded legacy generator: the same sequence on every .NET
        for (int i = all.Length - 1; i > 0; i--) { int j = rng.Next(i + 1); (all[i], all[j]) = (all[j], all[i]); }
        return all.Take(Math.Min(n, dSae)).Order().ToList();
    }

    public static IReadOnlyList<string> Scorers(EvalSuiteOptions s) => s.Scorers.Count > 0 ? s.Scorers : LabelingRequest.DefaultScorers;

    /// <summary>What a labels run's numbers depend on beyond the weights: explainer, scorers, prompt versions and the LLM
    /// models by role (LLM path).</summary>
    public static void AddVersions(Dictionary<string, string> versions, EvalSuiteOptions s, IServiceProvider services)
    {
        versions["explainer"] = s.Explainer;
        versions["scorers"] = string.Join(",", Scorers(s));
        if (s.Explainer != LabelingComponents.LlmExplainerKind)
        {
            versions["prompts"] = "none (offline explainer and scorers)";
            return;
        }
        versions["prompts"] = string.Join(",", PromptLibrary.Versions().OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"));
        var llm = services.GetRequiredService<LlmClient>();
        foreach (var role in new[] { LlmRole.Explainer, LlmRole.Simulator, LlmRole.Judge })
            if (llm.IsConfigured(role)) versions[$"llm_{role.Key()}"] = llm.ModelOf(role);
    }

    public static async Task<IReadOnlyList<EvalMetric>> RunAsync(JobContext ctx, EvalSuiteOptions suite, SaeCatalog catalog, WorkerOptions worker)
    {
        var entry = catalog.Sae(suite.Sae);
        if (entry.Cache is not { } cache || !File.Exists(cache))
            throw new InterpException($"suite '{suite.Name}' labels from SAE '{suite.Sae}''s latent cache, which does not exist{(entry.Cache is null ? "" : $" ('{entry.Cache}')")}",
                "suite", $"set Saes.{suite.Sae}.cache and build it with a cache_build job", ErrorKind.NotFound);
        var features = Sample(catalog.Decoder(suite.Sae).DSae, suite.Features, suite.Seed);
        string outPath = Path.Combine(worker.DataDir, "evals", suite.Name, $"job-{ctx.JobId}.db");
        var scorers = Scorers(suite).ToList();
        var request = new LabelingRequest(catalog.Model(entry.Model).Path, entry.Path, cache, outPath, string.Join(",", features), suite.Explainer, scorers,
            Resamples: suite.Resamples);
        Func<Interp.Agent.Labeling.Store.RunManifest, LabelingComponents>? components = null;
        if (suite.Explainer == LabelingComponents.LlmExplainerKind)
        {
            var (c, model) = await LabelRuns.LlmAsync(ctx, outPath, scorers, explains: true);
            (components, request) = (c, request with { LlmModel = model });
        }
        using var job = LabelingJob.Prepare(request, components: components);
        await LabelRuns.RunAsync(ctx, job, $"eval suite {suite.Name}");
        var (records, _) = LabelRuns.Settle(ctx, job.Store);
        ctx.Log($"labels suite {suite.Name}: {records.Count} features labeled and scored into {job.Store.Path}");
        return Metrics(records, scorers, job.Store.Manifest.Shuffled, features.Count);
    }

    /// <summary>The suite's metrics from its records (a feature's score per method: the mean over its explanations).</summary>
    public static IReadOnlyList<EvalMetric> Metrics(IReadOnlyList<FeatureRecord> records, IReadOnlyList<string> scorers, IReadOnlyList<string> shuffled, int sample)
    {
        double? Of(FeatureRecord r, string method)
        {
            var xs = r.Scores.Where(s => s.Method == method && double.IsFinite(s.Value)).Select(s => s.Value).ToList();
            return xs.Count == 0 ? null : xs.Average();
        }
        var metrics = new List<EvalMetric>();
        foreach (var m in scorers)
            metrics.Add(EvalSuiteJob.Mean($"{m}_mean", records.Select(r => Of(r, m)).OfType<double>().ToArray()));
        foreach (var m in shuffled)
        {
            var pairs = records.Select(r => (Real: Of(r, m), Shuffled: Of(r, m + ScoreMethods.ShuffledSuffix))).Where(p => p.Real is not null && p.Shuffled is not null).ToList();
            metrics.Add(EvalSuiteJob.Proportion($"{m}_real_beats_shuffled", pairs.Count == 0 ? 0 : pairs.Count(p => p.Real > p.Shuffled) / (double)pairs.Count, pairs.Count));
        }
        metrics.Add(EvalSuiteJob.Proportion("labeled_fraction", sample == 0 ? 0 : records.Count(r => r.IsLabeled) / (double)sample, sample));
        return metrics;
    }
}
