// Sets a labeling run up from what a person passes: loads the model and SAE, checks that the latent cache was built from
// exactly them (fingerprints, hook, d_sae) and is finished, parses the features, writes or checks the run manifest, and
// wires the components. Then RunAsync. PrepareRescore sets up a re-score: a new run store that takes an existing run's
// explanations and evidence and runs only the score stages of the scorers it is given. Errors are ArgumentException / InvalidDataException with what to do.
using Interp.Agent.Explainers;
using Interp.Agent.Labeling.Examples;
using Interp.Agent.Labeling.Store;
using Interp.Agent.Prompts;
using Interp.Agent.Scoring;
using Interp.Dictionaries;
using Interp.Dictionaries.Cache;
using Interp.Index.Records;
using Interp.Models;
using Interp.Models.Tokenizers;
using Microsoft.Extensions.AI;

namespace Interp.Agent.Labeling;

/// <param name="Shuffled">methods also scored on another feature's examples; null = simulation and embedding when run</param>
/// <param name="MaxPageCount">tests only: cap the run store's size so SQLite reports a full disk</param>
/// <param name="LlmModel">the explainer role's model on the LLM path (recorded in the manifest); null offline</param>
public sealed record LabelingRequest(string ModelDir, string SaeDir, string CachePath, string OutPath, string Features = "all",
    string Explainer = LabelingComponents.OfflineExplainerKind, IReadOnlyList<string>? Scorers = null, IReadOnlyList<string>? Shuffled = null,
    ExampleOptions? Examples = null, OfflineExplainerOptions? Offline = null, int Clusters = 0, int Resamples = Statistics.DefaultResamples,
    RunOptions? Run = null, int? MaxPageCount = null, string? LlmModel = null)
{
    public static readonly IReadOnlyList<string> DefaultScorers = [ScoreMethods.Simulation, ScoreMethods.Embedding];
}

/// <summary>Re-score the explanations of the run at <paramref name="SourcePath"/> with <paramref name="Scorers"/> into a new
/// run store at <paramref name="OutPath"/>.</summary>
/// <param name="Shuffled">methods also scored on another feature's examples; null = simulation and embedding when given</param>
public sealed record RescoreRequest(string SourcePath, string OutPath, IReadOnlyList<string> Scorers, IReadOnlyList<string>? Shuffled = null,
    RunOptions? Run = null);

public sealed class LabelingJob : IDisposable
{
    private readonly LabelingRunner _runner;

    public RunStore Store { get; }

    private LabelingJob(RunStore store, LabelingRunner runner) => (Store, _runner) = (store, runner);

    /// <param name="components">builds the explainer and scorers for the manifest (default: LabelingComponents.Offline); the
    /// LLM path passes its own here</param>
    public static LabelingJob Prepare(LabelingRequest r, IEmbeddingGenerator<string, Embedding<float>>? embedder = null,
        Func<RunManifest, LabelingComponents>? components = null)
    {
        var examples = r.Examples ?? new ExampleOptions();
        examples.Validate();
        (r.Run ?? new RunOptions()).Validate();
        if (r.Clusters is < 0 or > 16) throw new ArgumentException($"--clusters must be 0..16 (got {r.Clusters}).");
        if (r.Resamples is < 100 or > 100_000) throw new ArgumentException($"--resamples must be 100..100000 (got {r.Resamples}).");
        if (r.Explainer == LabelingComponents.LlmExplainerKind && components is null)
            throw new ArgumentException("--explainer llm needs the LLM layer, which this build does not have yet; use --explainer offline.");
        if (r.Explainer is not (LabelingComponents.OfflineExplainerKind or LabelingComponents.LlmExplainerKind))
            throw new ArgumentException($"--explainer must be 'offline' or 'llm' (got '{r.Explainer}').");
        var scorers = (r.Scorers ?? LabelingRequest.DefaultScorers).Distinct().ToList();
        foreach (var s in scorers)
            if (!ScoreMethods.All.Contains(s)) throw new ArgumentException($"--scorers: unknown scorer '{s}' (known: {string.Join(", ", ScoreMethods.All)}).");
        var shuffled = (r.Shuffled ?? scorers.Where(s => s is ScoreMethods.Simulation or ScoreMethods.Embedding)).Distinct().ToList();

        var model = ModelLoader.Load(r.ModelDir);
        using var sae = Sae.Load(r.SaeDir);
        var inputs = CacheInputs.FromDirectories(r.ModelDir, r.SaeDir);
        Dictionary<string, string> cacheIdentity;
        using (var cache = LatentCache.Open(r.CachePath)) cacheIdentity = CheckCache(cache.Info, inputs, sae, r);
        var features = FeatureSpec.Parse(r.Features, sae.DSae);
        var manifest = new RunManifest(Path.GetFullPath(r.ModelDir), ModelId(r.ModelDir, model, inputs), Path.GetFullPath(r.SaeDir), SaeId(r.SaeDir, sae, inputs),
            Path.GetFullPath(r.CachePath), cacheIdentity, features, r.Explainer, scorers, shuffled, examples, r.Offline ?? new OfflineExplainerOptions(),
            r.Clusters, r.Resamples, r.Explainer == LabelingComponents.LlmExplainerKind ? PromptLibrary.Versions() : new Dictionary<string, string>(), r.LlmModel);
        return Wire(manifest, model, sae, r.OutPath, r.MaxPageCount, r.Run ?? new RunOptions(), embedder, components, seed: null);
    }

    /// <summary>Sets up a re-scoring of an existing run (the smallest support for re-scoring: a derived run). The new run
    /// store's manifest is the source's with <see cref="RescoreRequest.Scorers"/> (and its shuffled methods) and only the
    /// features whose explain stage succeeded; their evidence and explain rows are copied from the source before anything
    /// runs, so only the score stages are pending — no explanation is made again, and a resumed re-score copies nothing
    /// twice (only rows still pending are seeded). The cache must be the one the source read (identity checked).</summary>
    public static LabelingJob PrepareRescore(RescoreRequest r, IEmbeddingGenerator<string, Embedding<float>>? embedder = null,
        Func<RunManifest, LabelingComponents>? components = null)
    {
        (r.Run ?? new RunOptions()).Validate();
        if (Path.GetFullPath(r.SourcePath) == Path.GetFullPath(r.OutPath))
            throw new ArgumentException($"the re-score's output '{r.OutPath}' is its source run; give a new path.");
        var scorers = r.Scorers.Distinct().ToList();
        if (scorers.Count == 0) throw new ArgumentException("a re-score needs at least one scorer.");
        foreach (var s in scorers)
            if (!ScoreMethods.All.Contains(s)) throw new ArgumentException($"scorers: unknown scorer '{s}' (known: {string.Join(", ", ScoreMethods.All)}).");
        var shuffled = (r.Shuffled ?? scorers.Where(s => s is ScoreMethods.Simulation or ScoreMethods.Embedding)).Distinct().ToList();
        foreach (var s in shuffled)
            if (!scorers.Contains(s)) throw new ArgumentException($"shuffled scorer '{s}' is not among the re-score's scorers ({string.Join(", ", scorers)}).");

        using var source = RunStore.OpenRead(r.SourcePath);
        var src = source.Manifest;
        if (src.Explainer == LabelingComponents.LlmExplainerKind && components is null)
            throw new ArgumentException($"the run '{r.SourcePath}' was labeled on the LLM path; its re-score scores with the LLM roles (pass the LLM components).");
        var rows = source.AllStages();
        var explained = src.Features.Where(f => rows.TryGetValue(f, out var fr) && fr.TryGetValue(StageNames.Explain, out var e) && e.Succeeded).ToList();
        if (explained.Count == 0)
            throw new ArgumentException($"the run '{r.SourcePath}' has no feature with a finished explanation yet; finish (or resume) it before re-scoring.");
        foreach (var (what, p) in new[] { ("model folder", src.ModelDir), ("SAE folder", src.SaeDir) })
            if (!Directory.Exists(p)) throw new ArgumentException($"the run's {what} '{p}' is gone; a re-score reads it (restore it at that path).");
        if (!File.Exists(src.CachePath)) throw new ArgumentException($"the run's latent cache '{src.CachePath}' is gone; a re-score reads it (restore it at that path).");

        var model = ModelLoader.Load(src.ModelDir);
        using var sae = Sae.Load(src.SaeDir);
        using (var cache = LatentCache.Open(src.CachePath))
        {
            var identity = CheckCache(cache.Info, CacheInputs.FromDirectories(src.ModelDir, src.SaeDir), sae,
                new LabelingRequest(src.ModelDir, src.SaeDir, src.CachePath, r.OutPath));
            if (!identity.OrderBy(kv => kv.Key).SequenceEqual(src.CacheIdentity.OrderBy(kv => kv.Key)))
                throw new ArgumentException($"the latent cache '{src.CachePath}' is not the one the run '{r.SourcePath}' read (it was rebuilt since); re-label instead of re-scoring.");
        }
        var manifest = src with
        {
            Features = explained, Scorers = scorers, Shuffled = shuffled,
            Prompts = src.Explainer == LabelingComponents.LlmExplainerKind ? PromptLibrary.Versions() : new Dictionary<string, string>(),
        };
        var seedRows = explained.SelectMany(f => new[] { rows[f][StageNames.Evidence], rows[f][StageNames.Explain] })
            .Where(x => x.Succeeded).Select(x => x with { Usage = StageUsage.None }).ToList();
        return Wire(manifest, model, sae, r.OutPath, null, r.Run ?? new RunOptions(), embedder, components, (seedRows, source.RunId, source.Path));
    }

    /// <summary>The components, evidence source, store and runner of a run whose manifest is settled; <paramref name="seed"/>
    /// (a re-score) fills the store's still-pending rows from the source run first.</summary>
    private static LabelingJob Wire(RunManifest manifest, HookedTransformer model, Sae sae, string outPath, int? maxPageCount, RunOptions run,
        IEmbeddingGenerator<string, Embedding<float>>? embedder, Func<RunManifest, LabelingComponents>? components,
        (IReadOnlyList<StageRow> Rows, string RunId, string Path)? seed)
    {
        var examples = manifest.Examples;
        var parts = components?.Invoke(manifest) ?? LabelingComponents.Offline(manifest, embedder);
        var effects = new OutputEffects(model, sae);
        var neighbours = examples.HardNegatives > 0 ? new DecoderNeighbours(sae.WDec.ToArray(), sae.DSae, sae.DIn) : null;
        var tokenizer = HasTokenizer(manifest.ModelDir) ? TokenizerLoader.Load(manifest.ModelDir) : null;
        var store = RunStore.OpenOrCreate(outPath, manifest, maxPageCount);
        if (seed is { } s)
        {
            try { store.Seed(s.Rows, s.RunId, s.Path); }
            catch { store.Dispose(); throw; }
        }
        string cachePath = manifest.CachePath;
        var runner = new LabelingRunner(store, parts, () => LatentCache.Open(cachePath), new EvidenceSource(examples, effects, neighbours, tokenizer is null ? null : tokenizer.TokenToString),
            run);
        return new LabelingJob(store, runner);
    }

    public Task<LabelingProgress> RunAsync(IProgress<LabelingProgress>? progress = null, CancellationToken ct = default) => _runner.RunAsync(progress, ct);

    /// <summary>The cache must come from this model and SAE and be finalized; returns what the run depends on.</summary>
    private static Dictionary<string, string> CheckCache(CacheInfo info, CacheInputs inputs, Sae sae, LabelingRequest r)
    {
        string Meta(string k) => info.Meta.GetValueOrDefault(k, "");
        if (!info.Finalized)
            throw new InvalidDataException($"the latent cache '{r.CachePath}' is not finished; re-run its `interp cache build` to complete it.");
        if (Meta("sae_fingerprint") != inputs.SaeFingerprint || info.DSae != sae.DSae || info.HookName != sae.Cfg.HookName)
            throw new ArgumentException($"the latent cache '{r.CachePath}' was built from another SAE ('{info.Sae}', {info.HookName}, d_sae {info.DSae}, " +
                $"fingerprint {Short(Meta("sae_fingerprint"))}) than --sae '{r.SaeDir}' ({sae.Cfg.HookName}, d_sae {sae.DSae}, fingerprint {Short(inputs.SaeFingerprint)}); " +
                "pass the cache built from this SAE, or --corpus to build one.");
        if (Meta("model_fingerprint") != inputs.ModelFingerprint)
            throw new ArgumentException($"the latent cache '{r.CachePath}' was built from another model ('{info.Model}', fingerprint {Short(Meta("model_fingerprint"))}) " +
                $"than --model '{r.ModelDir}' (fingerprint {Short(inputs.ModelFingerprint)}); pass the cache built from this model, or --corpus to build one.");
        var keys = new[] { "model_fingerprint", "sae_fingerprint", "corpus_fingerprint", "hook_name", "d_sae", "context", "contexts_done", "finalize_key" };
        return keys.Where(info.Meta.ContainsKey).ToDictionary(k => k, k => info.Meta[k]);
    }

    private static bool HasTokenizer(string dir) =>
        File.Exists(Path.Combine(dir, "tokenizer.json")) || (File.Exists(Path.Combine(dir, "vocab.json")) && File.Exists(Path.Combine(dir, "merges.txt")));

    private static string Short(string fp) => fp.Length > 12 ? fp[..12] : fp.Length == 0 ? "(none)" : fp;

    private static SaeIdentity SaeId(string dir, Sae sae, CacheInputs inputs)
    {
        var hook = sae.Cfg.HookName;
        var pieces = hook.Split('.');
        int layer = pieces.Length > 1 && pieces[0] == "blocks" && int.TryParse(pieces[1], out int l) ? l : -1;
        return new SaeIdentity(inputs.SaeFingerprint, Path.GetFileName(Path.GetFullPath(dir).TrimEnd('/')), hook, layer, sae.DIn, sae.DSae, sae.Cfg.Architecture);
    }

    private static ModelIdentity ModelId(string dir, HookedTransformer model, CacheInputs inputs) =>
        new(inputs.ModelFingerprint, Path.GetFileName(Path.GetFullPath(dir).TrimEnd('/')), model.Config.ModelType);

    public void Dispose() => Store.Dispose();
}
