// Sets a labeling run up from what a person passes: loads the model and SAE, checks that the latent cache was built from
// exactly them (fingerprints, hook, d_sae) and is finished, parses the features, writes or checks the run manifest, and
// wires the components. Then RunAsync. Errors are ArgumentException / InvalidDataException with what to do.
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
        var parts = components?.Invoke(manifest) ?? LabelingComponents.Offline(manifest, embedder);
        var effects = new OutputEffects(model, sae);
        var neighbours = examples.HardNegatives > 0 ? new DecoderNeighbours(sae.WDec.ToArray(), sae.DSae, sae.DIn) : null;
        var tokenizer = HasTokenizer(r.ModelDir) ? TokenizerLoader.Load(r.ModelDir) : null;
        var store = RunStore.OpenOrCreate(r.OutPath, manifest, r.MaxPageCount);
        string cachePath = r.CachePath;
        var runner = new LabelingRunner(store, parts, () => LatentCache.Open(cachePath), new EvidenceSource(examples, effects, neighbours, tokenizer is null ? null : tokenizer.TokenToString),
            r.Run ?? new RunOptions());
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
