// Job kind eval: runs one configured eval suite and stores the run (configuration, versions, metrics with intervals) in
// the EvalStore. ground_truth: the toy model's IOI and induction accuracy (Wilson intervals) and how well the SAE's best
// feature per toy-world concept matches it (mean F1 over concepts, normal interval). Each part is a job step, so a run
// resumed after a crash does not redo the finished parts. labels: a fixed feature sample labeled and scored (LabelsSuite).
using System.Text.Json;
using Interp.Dictionaries;
using Interp.Dictionaries.Cache;
using Interp.Errors;
using Interp.Evals.Concepts;
using Interp.Evals.ToyWorld;
using Interp.Models;
using Interp.Models.Tokenizers;
using Interp.Serve.Catalog;
using Interp.Serve.Jobs;
using Interp.Serve.Jobs.Handlers;
using Interp.Serve.Settings;

namespace Interp.Serve.Evals;

public sealed class EvalSuiteJob(ServeSettings settings, SaeCatalog catalog, EvalStore store) : IJobHandler
{
    public const string JobKind = "eval";
    public string Kind => JobKind;
    public string Description => "run a configured eval suite and store its run: {suite}";

    public EvalSuiteOptions Suite(string name) => settings.Schedules.Suites.FirstOrDefault(s => s.Name == name)
        ?? throw new InterpException($"no eval suite named '{(name.Length > 64 ? name[..64] : name)}'", "suite",
            settings.Schedules.Suites.Count == 0 ? "configure one under Schedules.suites" : $"use one of {string.Join(", ", settings.Schedules.Suites.Select(s => s.Name))}",
            ErrorKind.NotFound);

    public void Validate(JsonElement args)
    {
        JobArgs.Known(args, Kind, "suite");
        Suite(JobArgs.String(args, "suite", required: true)!);
    }

    public async Task<string?> RunAsync(JobContext ctx)
    {
        var suite = Suite(JobArgs.String(ctx.Args, "suite", required: true)!);
        var sae = catalog.Sae(suite.Sae);
        string modelDir = catalog.Model(sae.Model).Path;
        var versions = new Dictionary<string, string>
        {
            ["model_fingerprint"] = CacheInputs.FromDirectories(modelDir, sae.Path).ModelFingerprint,
            ["sae_fingerprint"] = CacheInputs.FromDirectories(modelDir, sae.Path).SaeFingerprint,
            ["interp"] = typeof(EvalSuiteJob).Assembly.GetName().Version?.ToString() ?? "?",
            ["prompts"] = "none (no LLM in this suite)",
        };
        if (suite.Kind == EvalSuiteOptions.Labels) LabelsSuite.AddVersions(versions, suite, ctx.Services);
        store.Begin(ctx.JobId, suite.Name, JsonSerializer.Serialize(suite, ServeJson.Options), versions);
        try
        {
            var metrics = suite.Kind switch
            {
                EvalSuiteOptions.GroundTruth => await GroundTruthAsync(ctx, suite, modelDir, sae.Path),
                EvalSuiteOptions.Labels => await LabelsSuite.RunAsync(ctx, suite, catalog, settings.Worker),
                _ => throw new InterpException($"suite kind '{suite.Kind}' is not runnable by this server", "suite", "use a ground_truth or labels suite"),
            };
            store.Finish(ctx.JobId, metrics, "succeeded", null);
            return JsonSerializer.Serialize(new { suite = suite.Name, metrics }, ServeJson.Options);
        }
        catch (Exception e) when (e is not OperationCanceledException and not JobLeaseLostException)
        {
            store.Finish(ctx.JobId, [], "failed", ErrorClassifier.Classify(e).Text);
            throw;
        }
    }

    private static async Task<IReadOnlyList<EvalMetric>> GroundTruthAsync(JobContext ctx, EvalSuiteOptions suite, string modelDir, string saeDir)
    {
        HookedTransformer? model = null;
        Tokenizer? tok = null;
        (HookedTransformer, Tokenizer) Load() => (model ??= ModelLoader.Load(modelDir), tok ??= TokenizerLoader.Load(modelDir));

        ctx.Progress(0, 2, "behaviour (IOI, induction)");
        var tasks = await ctx.StepAsync("behaviour", _ =>
        {
            var (m, t) = Load();
            return Task.FromResult(ToyWorldEval.Run(m, t, suite.World, suite.Features).ToList());
        });
        ctx.Log(string.Join("; ", tasks.Select(t => $"{t.Task}: accuracy {t.Accuracy:F3} over {t.Prompts} prompts")));
        ctx.Progress(1, 2, "concept labels");
        var concepts = await ctx.StepAsync("concepts", _ =>
        {
            var (m, t) = Load();
            using var sae = Sae.Load(saeDir);
            return Task.FromResult(ToyConceptEval.Run(m, t, sae, suite.World, suite.Features).Features.ToList());
        });
        ctx.Progress(2, 2, "done");

        var metrics = new List<EvalMetric>();
        foreach (var t in tasks) metrics.Add(Proportion($"{t.Task}_accuracy", t.Accuracy, t.Prompts));
        var f1 = concepts.Select(c => c.F1).ToArray();
        metrics.Add(Mean("concept_f1_mean", f1));
        metrics.Add(Proportion("concepts_matched_f1_0.5", f1.Length == 0 ? 0 : f1.Count(x => x >= 0.5) / (double)f1.Length, f1.Length));
        return metrics;
    }

    /// <summary>A proportion with its Wilson 95 % interval and binomial standard error.</summary>
    public static EvalMetric Proportion(string name, double p, int n)
    {
        if (n <= 0) return new EvalMetric(name, p, 0, 1, 0.5, 0);
        const double z = 1.96;
        double den = 1 + z * z / n, centre = (p + z * z / (2 * n)) / den, half = z * Math.Sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / den;
        return new EvalMetric(name, p, Math.Max(0, centre - half), Math.Min(1, centre + half), Math.Sqrt(Math.Max(p * (1 - p), 1.0 / n) / n), n);
    }

    /// <summary>A mean with its normal 95 % interval (standard error sd/√n).</summary>
    public static EvalMetric Mean(string name, double[] xs)
    {
        if (xs.Length == 0) return new EvalMetric(name, 0, 0, 0, 0, 0);
        double mean = xs.Average(), sd = xs.Length > 1 ? Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Length - 1)) : 0, se = sd / Math.Sqrt(xs.Length);
        return new EvalMetric(name, mean, mean - 1.96 * se, mean + 1.96 * se, se, xs.Length);
    }
}
