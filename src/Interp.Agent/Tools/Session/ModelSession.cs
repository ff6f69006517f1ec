// The model session every tool works on: the loaded model and tokenizer, its attached SAEs with their latent caches, and
// the feature index (labels, search), opened once and shared. Model runs and cache reads go through one gate (the model's
// scoped hooks and the caches' SQLite connections are single-user), so concurrent tool calls from MCP or a host queue
// instead of interfering; every intervention runs on the call's own hooks and is gone when the call returns.
using Interp.Dictionaries;
using Interp.Dictionaries.Analysis;
using Interp.Dictionaries.Cache;
using Interp.Errors;
using Interp.Index;
using Interp.Index.Embeddings;
using Interp.Index.Records;
using Interp.Models;
using Interp.Models.Tokenizers;

namespace Interp.Agent.Tools;

public sealed class ModelSession : IAsyncDisposable, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<(string, int), FeatureRecord?> _records = new();
    private long? _recordsRevision;                 // the index revision the remembered records were read at

    public HookedTransformer Model { get; }
    public ITokenizer Tokenizer { get; }
    /// <summary>The model folder's name, e.g. english-small.</summary>
    public string ModelName { get; }
    public string ModelDir { get; }
    public IReadOnlyList<SessionSae> Saes { get; }
    public IFeatureIndex? Index { get; }
    public ModelSessionOptions Options { get; }
    public ToolLimits Limits => Options.EffectiveLimits;
    public bool WritesEnabled => Options.AllowWrites;
    public string NotesPath => Options.NotesPath
        ?? Path.Combine(Options.IndexPath is { } ix ? Path.GetDirectoryName(Path.GetFullPath(ix))! : Directory.GetCurrentDirectory(), "notes.jsonl");

    private ModelSession(ModelSessionOptions options, HookedTransformer model, ITokenizer tokenizer, IReadOnlyList<SessionSae> saes, IFeatureIndex? index)
    {
        Options = options; Model = model; Tokenizer = tokenizer; Saes = saes; Index = index;
        ModelDir = Path.GetFullPath(options.ModelDir);
        ModelName = Path.GetFileName(ModelDir.TrimEnd('/'));
    }

    /// <summary>Loads the model, its tokenizer, the SAEs (each checked against the model) with their caches (each checked
    /// against the model and SAE) and opens the index. Bad input is an InterpException naming the folder or file.</summary>
    public static async Task<ModelSession> LoadAsync(ModelSessionOptions options, Action<string>? warn = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(options.ModelDir))
            throw new InterpException("the model folder does not exist", options.ModelDir, "pass --model DIR with config.json, model.safetensors and tokenizer.json", ErrorKind.NotFound);
        var model = ModelLoader.Load(options.ModelDir, null, false, warn);
        ITokenizer tok;
        try { tok = TokenizerLoader.Load(options.ModelDir); }
        catch (FileNotFoundException e) { throw new InterpException($"no tokenizer in the model folder ({e.Message.TrimEnd('.')})", options.ModelDir, "add tokenizer.json beside config.json", ErrorKind.NotFound, e); }
        var saes = new List<SessionSae>();
        IFeatureIndex? index = null;
        try
        {
            foreach (var src in options.Saes ?? [])
                saes.Add(OpenSae(model, options.ModelDir, src));
            var dup = saes.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
            if (dup is not null) throw new InterpException($"two SAEs are named '{dup.Key}' (folder names name SAEs in tools)", dup.Last().Dir, "rename one folder");
            if (options.IndexPath is { } ip)
            {
                if (!File.Exists(ip)) throw new InterpException("the feature index file does not exist", ip, "build one with `interp index`, or leave --index out", ErrorKind.NotFound);
                var o = new IndexOptions { Backend = IndexOptions.BackendEmbedded, Embedded = new EmbeddedIndexOptions { Path = ip } };
                index = await FeatureIndexFactory.OpenAsync(o, new MiniLmEmbeddingGenerator(), create: false, ct: ct).ConfigureAwait(false);
            }
        }
        catch
        {
            foreach (var s in saes) s.Dispose();
            if (index is not null) await index.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new ModelSession(options, model, tok, saes, index);
    }

    public static ModelSession Load(ModelSessionOptions options, Action<string>? warn = null) => LoadAsync(options, warn).GetAwaiter().GetResult();

    private static SessionSae OpenSae(HookedTransformer model, string modelDir, SaeSource src)
    {
        if (!Directory.Exists(src.Dir)) throw new InterpException("the SAE folder does not exist", src.Dir, "pass --sae DIR (cfg.json, sae_weights.safetensors)", ErrorKind.NotFound);
        var sae = Interp.Dictionaries.Sae.Load(src.Dir);
        LatentCache? cache = null;
        try
        {
            try { using (SaeSplice.Attach(model, sae)) { } }
            catch (ArgumentException e) { throw new InterpException($"this SAE does not fit the model: {e.Message.TrimEnd('.')}", src.Dir, "is this SAE for this model?", ErrorKind.Input, e); }
            if (src.CachePath is { } cp)
            {
                if (!File.Exists(cp)) throw new InterpException("the latent cache does not exist", cp, "build it with `interp cache build`, or attach the SAE without '=CACHE'", ErrorKind.NotFound);
                cache = LatentCache.Open(cp);
                cache.CheckInputs(CacheInputs.FromDirectories(modelDir, src.Dir));
            }
            int layer = model.HookTable.TryGet(sae.Cfg.HookName, out var point) ? point.Layer ?? -1 : -1;
            return new SessionSae
            {
                Name = Path.GetFileName(Path.GetFullPath(src.Dir).TrimEnd('/')), Dir = Path.GetFullPath(src.Dir), Sae = sae,
                SaeId = DecoderDirections.Fingerprint(src.Dir), Layer = layer, Cache = cache,
            };
        }
        catch
        {
            cache?.Dispose();
            sae.Dispose();
            throw;
        }
    }

    /// <summary>The SAE called <paramref name="name"/>; with null, the only one. Errors list the names there are.</summary>
    public SessionSae Sae(string? name, string argument = "sae")
    {
        if (Saes.Count == 0) throw new ToolArgumentException(argument, "no SAE is attached to this session", "start the session with --sae DIR");
        if (string.IsNullOrWhiteSpace(name))
            return Saes.Count == 1 ? Saes[0] : throw new ToolArgumentException(argument, $"{Saes.Count} SAEs are attached", $"name one of: {string.Join(", ", Saes.Select(s => s.Name))}");
        return Saes.FirstOrDefault(s => s.Name == name || s.HookName == name)
            ?? throw new ToolArgumentException(argument, $"no SAE named '{name}'",
                $"use one of: {string.Join(", ", Saes.Select(s => $"{s.Name} (at {s.HookName})"))}; list_saes lists them");
    }

    /// <summary>Attaches the latent cache at <paramref name="cachePath"/> to the session's SAE from folder
    /// <paramref name="saeDir"/> (a cache built, or rebuilt, after the session loaded), replacing the one it had. The cache is
    /// checked against the model and SAE first; the swap waits for running tool calls (the session's gate). False when no
    /// SAE of the session comes from that folder.</summary>
    public bool AttachCache(string saeDir, string cachePath, CancellationToken ct = default)
    {
        var sae = Saes.FirstOrDefault(s => s.Dir == Path.GetFullPath(saeDir));
        if (sae is null) return false;
        var cache = LatentCache.Open(cachePath);
        try { cache.CheckInputs(CacheInputs.FromDirectories(ModelDir, sae.Dir)); }
        catch { cache.Dispose(); throw; }
        LatentCache? old = Exclusive(() => { var o = sae.Cache; sae.Cache = cache; return o; }, ct);
        old?.Dispose();
        return true;
    }

    /// <summary>Runs <paramref name="body"/> alone on the model (tools that run the model or read a cache).</summary>
    public T Exclusive<T>(Func<T> body, CancellationToken ct = default)
    {
        _gate.Wait(ct);
        try { return body(); }
        finally { _gate.Release(); }
    }

    /// <summary>The stored FeatureRecord of a feature (its label, scores, statistics) from the index; null without an index
    /// or for a feature it does not hold. Records are remembered while the index's revision stays the same, so a labeling
    /// run or index job that writes new records (from this process or another) is seen on the next call; an index that
    /// keeps no revision (Qdrant) is asked every time.</summary>
    public async Task<FeatureRecord?> RecordAsync(SessionSae sae, int feature, CancellationToken ct = default)
    {
        if (Index is null) return null;
        bool remember = await FollowRevisionAsync(ct).ConfigureAwait(false);
        if (remember) lock (_records) if (_records.TryGetValue((sae.SaeId, feature), out var hit)) return hit;
        var got = (await Index.GetAsync([new FeatureKey(sae.SaeId, feature)], ct).ConfigureAwait(false)).FirstOrDefault();
        if (remember) lock (_records) _records[(sae.SaeId, feature)] = got;
        return got;
    }

    /// <summary>Forgets the remembered records when the index's revision moved; false when the index keeps no revision
    /// (then nothing is remembered).</summary>
    private async Task<bool> FollowRevisionAsync(CancellationToken ct)
    {
        long? rev = await Index!.RevisionAsync(ct).ConfigureAwait(false);
        lock (_records)
        {
            if (rev is null) { _records.Clear(); _recordsRevision = null; return false; }
            if (rev != _recordsRevision) { _records.Clear(); _recordsRevision = rev; }
            return true;
        }
    }

    /// <summary>Records of many features at once (one index read for those not seen yet).</summary>
    public async Task<IReadOnlyDictionary<int, FeatureRecord>> RecordsAsync(SessionSae sae, IEnumerable<int> features, CancellationToken ct = default)
    {
        var result = new Dictionary<int, FeatureRecord>();
        if (Index is null) return result;
        bool remember = await FollowRevisionAsync(ct).ConfigureAwait(false);
        var missing = new List<int>();
        lock (_records)
            foreach (var f in features.Distinct())
                if (remember && _records.TryGetValue((sae.SaeId, f), out var r)) { if (r is not null) result[f] = r; }
                else missing.Add(f);
        if (missing.Count > 0)
        {
            var got = await Index.GetAsync(missing.Select(f => new FeatureKey(sae.SaeId, f)).ToList(), ct).ConfigureAwait(false);
            var byFeature = got.ToDictionary(r => r.Feature);
            lock (_records)
                foreach (var f in missing)
                {
                    var r = byFeature.GetValueOrDefault(f);
                    if (remember) _records[(sae.SaeId, f)] = r;
                    if (r is not null) result[f] = r;
                }
        }
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in Saes) s.Dispose();
        if (Index is not null) await Index.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
