// Job kind cache_build: builds (or resumes) an SAE's latent cache over a corpus, the library call `interp cache build`
// makes. The cache commits each batch with its progress marker, so a job stopped at any point resumes after the last
// committed batch — by itself, a restart or another worker. Cancellation is honoured after each committed batch. A
// finished build of the SAE's configured cache is announced (FeatureChanges), so the tools session sees it without a restart.
using System.Text.Json;
using Interp.Dictionaries;
using Interp.Dictionaries.Cache;
using Interp.Errors;
using Interp.Models;
using Interp.Models.Tokenizers;
using Interp.Serve.Catalog;
using Interp.Serve.Features;

namespace Interp.Serve.Jobs.Handlers;

public sealed class CacheBuildJob(SaeCatalog catalog, FeatureChanges changes) : IJobHandler
{
    public string Kind => "cache_build";
    public string Description => "latent cache of an SAE over a corpus: {sae, corpus (text file) | ids (token-id JSON), context?, batch?, out?}";

    private static readonly string[] Fields = ["sae", "corpus", "ids", "context", "batch", "top", "out"];

    public void Validate(JsonElement args)
    {
        JobArgs.Known(args, Kind, Fields);
        var sae = catalog.Sae(JobArgs.String(args, "sae", required: true)!);
        bool text = args.TryGetProperty("corpus", out _), ids = args.TryGetProperty("ids", out _);
        if (text == ids) throw new InterpException("give exactly one of 'corpus' (a text file) and 'ids' (a token-id JSON file)", "args", null);
        JobArgs.ExistingFile(args, text ? "corpus" : "ids");
        if ((JobArgs.String(args, "out") ?? sae.Cache) is null)
            throw new InterpException($"SAE has no cache path", "args", "give \"out\", or set Saes.<name>.cache in appsettings.json");
        Options(args).Validate();
    }

    private static LatentCacheOptions Options(JsonElement args) => new(
        ContextLength: JobArgs.Int(args, "context", 64, 1, 1 << 16), BatchSize: JobArgs.Int(args, "batch", 16, 1, 4096),
        TopK: JobArgs.Int(args, "top", 20, 0, 1000));

    public Task<string?> RunAsync(JobContext ctx)
    {
        var args = ctx.Args;
        string saeName = JobArgs.String(args, "sae", required: true)!;
        var entry = catalog.Sae(saeName);
        var modelDir = catalog.Model(entry.Model).Path;
        string outPath = JobArgs.String(args, "out") ?? entry.Cache!;
        var options = Options(args);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);

        var model = ModelLoader.Load(modelDir);
        using var sae = Sae.Load(entry.Path);
        Tokenizer? tok = File.Exists(Path.Combine(modelDir, "tokenizer.json")) ? TokenizerLoader.Load(modelDir) : null;
        Corpus corpus = JobArgs.String(args, "corpus") is { } text
            ? Corpus.Text(text, tok ?? throw new InterpException($"a text corpus needs the model's tokenizer.json ('{modelDir}')", "args", "pass token ids as 'ids' instead"))
            : Corpus.Ids(JobArgs.String(args, "ids", required: true)!, model.Config.DVocab);
        long lastLogged = -1;
        void OnProgress(CacheProgressEvent e)
        {
            switch (e.Stage)
            {
                case CacheStage.BatchCommitted:
                    ctx.Progress(e.Done, -1, $"{e.Done} contexts stored");
                    if (e.Done / 64 != lastLogged) { lastLogged = e.Done / 64; ctx.Log($"{e.Done} contexts stored"); }
                    ctx.Token.ThrowIfCancellationRequested();      // after the commit: the batch is kept
                    break;
                case CacheStage.CorpusDone: ctx.Log($"corpus done: {e.Done} contexts; finalizing"); break;
                case CacheStage.FeaturesCommitted:
                    ctx.Progress(e.Done, e.Total, $"finalized {e.Done}/{e.Total} features");
                    ctx.Token.ThrowIfCancellationRequested();
                    break;
            }
        }
        var r = LatentCacheBuilder.Build(outPath, model, sae, corpus, CacheInputs.FromDirectories(modelDir, entry.Path), options, tok, OnProgress);
        catalog.Reopen(saeName);
        if (Path.GetFullPath(outPath) == (entry.Cache is { } c ? Path.GetFullPath(c) : null))
            LabelRuns.Announce(ctx, changes, FeatureChangeKind.Cache, saeName);   // the tools session attaches it; page caches drop the SAE's pages
        ctx.Log($"cache built: {r.Contexts} contexts ({r.NewContexts} by this start), {r.Activations} activations");
        return Task.FromResult<string?>(JsonSerializer.Serialize(new
        {
            @out = Path.GetFullPath(outPath), contexts = r.Contexts, new_contexts = r.NewContexts, tokens = r.Tokens, activations = r.Activations,
            build_seconds = Math.Round(r.BuildSeconds, 3), finalize_seconds = Math.Round(r.FinalizeSeconds, 3),
        }));
    }
}
