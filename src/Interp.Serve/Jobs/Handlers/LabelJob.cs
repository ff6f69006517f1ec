// Job kind label: a labeling run (issue 11's LabelingJob) of an SAE from the catalog over its latent cache — features,
// explainer offline | llm, scorers — into a run store under Worker.data_dir (or "out"), then its records indexed so the
// feature pages and search show the labels. Resumable like `interp label`: the run store holds every finished stage and
// the LLM response store every answered call, so a job started again (restart, kill -9, take-over, retry) does only the
// missing work and sends no answered call again. Cancel stops it after the features in flight. Stages that failed with a
// retryable kind (an LLM that failed) end the job failed with the reason; retrying it redoes only those.
using System.Text.Json;
using Interp.Agent.Labeling;
using Interp.Agent.Scoring;
using Interp.Errors;
using Interp.Serve.Catalog;
using Interp.Serve.Settings;

namespace Interp.Serve.Jobs.Handlers;

public sealed class LabelJob(SaeCatalog catalog, LabelRuns runs, WorkerOptions worker) : IJobHandler
{
    public string Kind => "label";
    public string Description => "labeling run of an SAE's features: {sae, model?, cache?, features? (\"all\" | \"0-63,100\"), explainer? (offline | llm), " +
                                 "scorers? ([simulation, embedding, detection, fuzzing]), shuffled?, concurrency?, resamples?, out?, index? (true)}";

    private static readonly string[] Fields = ["sae", "model", "cache", "features", "explainer", "scorers", "shuffled", "concurrency", "resamples", "out", "index"];

    public void Validate(JsonElement args)
    {
        JobArgs.Known(args, Kind, Fields);
        string saeName = JobArgs.String(args, "sae", required: true)!;
        var sae = catalog.Sae(saeName);
        if (JobArgs.String(args, "model") is { } m && m != sae.Model)
            throw new InterpException($"SAE '{saeName}' belongs to model '{sae.Model}', not '{(m.Length > 64 ? m[..64] : m)}'", "model", $"leave 'model' out or give \"{sae.Model}\"");
        if ((JobArgs.String(args, "cache") ?? sae.Cache) is null)
            throw new InterpException($"SAE '{saeName}' has no latent cache path", "cache", "give \"cache\", or set Saes.<name>.cache and build it with a cache_build job");
        try { FeatureSpec.Parse(Features(args), catalog.Decoder(saeName).DSae); }
        catch (ArgumentException e) { throw new InterpException(e.Message.Replace("--features", "features"), "features", null); }
        Explainer(args);
        Scorers(args);
        Settings(args);
    }

    private static string Features(JsonElement args) => JobArgs.String(args, "features") ?? "all";

    private static string Explainer(JsonElement args) => JobArgs.String(args, "explainer") switch
    {
        null or "offline" => LabelingComponents.OfflineExplainerKind,
        "llm" => LabelingComponents.LlmExplainerKind,
        var other => throw new InterpException($"explainer must be 'offline' or 'llm', not '{(other.Length > 32 ? other[..32] : other)}'", "explainer", null),
    };

    /// <summary>The scorers (default simulation and embedding) and the shuffled ones (default: those of simulation and
    /// embedding that run; "none" for none).</summary>
    internal static (List<string> Scorers, List<string>? Shuffled) Scorers(JsonElement args, bool required = false)
    {
        var scorers = JobArgs.List(args, "scorers") ?? (required ? throw new InterpException("argument 'scorers' is missing", "args", $"give \"scorers\": [...] of {string.Join(", ", ScoreMethods.All)}") : [.. LabelingRequest.DefaultScorers]);
        if (scorers.Count == 0) throw new InterpException("argument 'scorers' is empty", "scorers", $"give one or more of {string.Join(", ", ScoreMethods.All)}");
        foreach (var s in scorers)
            if (!ScoreMethods.All.Contains(s))
                throw new InterpException($"unknown scorer '{(s.Length > 32 ? s[..32] : s)}'", "scorers", $"use {string.Join(", ", ScoreMethods.All)}");
        var sh = JobArgs.List(args, "shuffled");
        if (sh is ["none"]) sh = [];
        foreach (var s in sh ?? [])
            if (!scorers.Contains(s)) throw new InterpException($"shuffled scorer '{(s.Length > 32 ? s[..32] : s)}' is not among the scorers", "shuffled", "name scorers the job runs, or \"none\"");
        return (scorers, sh);
    }

    internal static RunOptions Settings(JsonElement args) => new(JobArgs.Int(args, "concurrency", 2, 1, 64));

    public async Task<string?> RunAsync(JobContext ctx)
    {
        var args = ctx.Args;
        string saeName = JobArgs.String(args, "sae", required: true)!;
        var entry = catalog.Sae(saeName);
        string modelDir = catalog.Model(entry.Model).Path;
        string cache = JobArgs.String(args, "cache") ?? entry.Cache!;
        if (!File.Exists(cache))
            throw new InterpException($"the latent cache '{cache}' does not exist", "cache", $"build it first: submit a cache_build job for SAE '{saeName}'", ErrorKind.NotFound);
        string outPath = JobArgs.String(args, "out") ?? Path.Combine(worker.DataDir, "runs", $"label-{ctx.JobId}.db");
        string explainer = Explainer(args);
        var (scorers, shuffled) = Scorers(args);
        var request = new LabelingRequest(modelDir, entry.Path, cache, outPath, Features(args), explainer, scorers, shuffled,
            Resamples: JobArgs.Int(args, "resamples", 1000, 100, 100_000), Run: Settings(args));
        Func<Interp.Agent.Labeling.Store.RunManifest, LabelingComponents>? components = null;
        if (explainer == LabelingComponents.LlmExplainerKind)
        {
            var (c, model) = await LabelRuns.LlmAsync(ctx, outPath, scorers, explains: true);
            (components, request) = (c, request with { LlmModel = model });
        }
        using var job = LabelingJob.Prepare(request, components: components);
        var final = await LabelRuns.RunAsync(ctx, job, "label");
        var (records, permanent) = LabelRuns.Settle(ctx, job.Store);
        var indexed = JobArgs.Bool(args, "index", true) ? await runs.IndexAsync(ctx, saeName, records) : null;
        return LabelRuns.Result(job.Store, final, permanent, indexed);
    }
}
