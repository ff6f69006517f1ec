// Job kind rescore: scores an existing labeling run's explanations again with the scorers given, into a new run store
// (LabelingJob.PrepareRescore: the source's evidence and explanations are copied, only the score stages run — no
// explanation is made again); with index: true its records then replace the features' records in the index (the label,
// and only the new scores). An LLM-path
// run is re-scored with the LLM roles, an offline one offline. Resumable, cancellable and failing like the label job.
using System.Text.Json;
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.Store;
using Interp.Errors;
using Interp.Serve.Catalog;
using Interp.Serve.Settings;

namespace Interp.Serve.Jobs.Handlers;

public sealed class RescoreJob(SaeCatalog catalog, LabelRuns runs, WorkerOptions worker) : IJobHandler
{
    public string Kind => "rescore";
    public string Description => "score an existing run's explanations again: {run (a run store), scorers ([simulation, embedding, detection, fuzzing]), " +
                                 "shuffled?, concurrency?, out?, index? (false: true replaces the features' records in the index with the re-scored ones)}";

    private static readonly string[] Fields = ["run", "scorers", "shuffled", "concurrency", "out", "index"];

    public void Validate(JsonElement args)
    {
        JobArgs.Known(args, Kind, Fields);
        string run = JobArgs.ExistingFile(args, "run");
        using (var store = RunStore.OpenRead(run))
            if (SaeName(store.Manifest) is null)
                throw new InterpException($"the run '{run}' labels an SAE ('{store.Manifest.Sae.Name}') this server's catalog does not hold", "run", "add it under Saes, or re-score it with `interp` on the command line");
        LabelJob.Scorers(args, required: true);
        LabelJob.Settings(args);
    }

    /// <summary>The catalog name of the run's SAE (matched by identity), or null.</summary>
    private string? SaeName(RunManifest m) =>
        catalog.Saes.Keys.FirstOrDefault(name =>
        {
            try { return catalog.Decoder(name).SaeId == m.Sae.Id; }
            catch (Exception e) when (e is IOException or ArgumentException or InterpException) { return false; }
        });

    public async Task<string?> RunAsync(JobContext ctx)
    {
        var args = ctx.Args;
        string source = JobArgs.String(args, "run", required: true)!;
        string outPath = JobArgs.String(args, "out") ?? Path.Combine(worker.DataDir, "runs", $"rescore-{ctx.JobId}.db");
        var (scorers, shuffled) = LabelJob.Scorers(args, required: true);
        string explainer, saeName;
        using (var src = RunStore.OpenRead(source))
            (explainer, saeName) = (src.Manifest.Explainer, SaeName(src.Manifest) ?? throw new InterpException($"the run's SAE is not in the catalog", "run", null));
        Func<RunManifest, LabelingComponents>? components = null;
        if (explainer == LabelingComponents.LlmExplainerKind)
            components = (await LabelRuns.LlmAsync(ctx, outPath, scorers, explains: false)).Components;
        using var job = LabelingJob.PrepareRescore(new RescoreRequest(source, outPath, scorers, shuffled, LabelJob.Settings(args)), components: components);
        var final = await LabelRuns.RunAsync(ctx, job, $"rescore of {Path.GetFileName(source)}");
        var (records, permanent) = LabelRuns.Settle(ctx, job.Store);
        var indexed = JobArgs.Bool(args, "index", false) ? await runs.IndexAsync(ctx, saeName, records) : null;
        return LabelRuns.Result(job.Store, final, permanent, indexed);
    }
}
