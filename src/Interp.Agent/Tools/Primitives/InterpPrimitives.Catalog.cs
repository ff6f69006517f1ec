// The catalogue primitives: what model is loaded, which SAEs are attached (with cache and index coverage), which hook
// points exist with their shapes, and how a text tokenizes.
using Interp.Tensors;

namespace Interp.Agent.Tools;

public sealed record ModelInfo(string Name, string Architecture, int NLayers, int DModel, int NHeads, int DHead, int DMlp, int DVocab, int NCtx, string Folder);
public sealed record ModelsResult(IReadOnlyList<ModelInfo> Models, string Note);

/// <param name="Layer">the block of the hook, -1 outside the blocks</param>
/// <param name="HasCache">a latent cache is attached: feature_info gives examples, density and histograms</param>
/// <param name="Indexed">features of this SAE in the feature index (labels, search_features); 0 without an index</param>
public sealed record SaeInfo(string Name, string Hook, int Layer, string Architecture, int DIn, int DSae, string SaeId, bool HasCache,
    long? CacheTokens, long Indexed);
public sealed record SaesResult(IReadOnlyList<SaeInfo> Saes, string Note);

/// <param name="Shape">the activation's shape on a one-row input, with the token axis written "pos"</param>
public sealed record HookInfo(string Name, string Shape);
public sealed record HooksResult(int Count, IReadOnlyList<HookInfo> Hooks, string Note);

public sealed record TokenizeResult(int Count, IReadOnlyList<TokenAt> Tokens);

public sealed partial class InterpPrimitives
{
    private IReadOnlyList<HookInfo>? _hookShapes;

    public ModelsResult ListModels()
    {
        var c = Model.Config;
        return new ModelsResult([new ModelInfo(Session.ModelName, c.ModelType, c.NLayers, c.DModel, c.NHeads, c.DHead, c.DMlp, c.DVocab, c.NCtx, Session.ModelDir)],
            "one model per session; start another session (--model DIR) to study another model");
    }

    public async Task<SaesResult> ListSaesAsync(CancellationToken ct = default)
    {
        var list = new List<SaeInfo>();
        foreach (var s in Session.Saes)
        {
            long indexed = Session.Index is null ? 0 : await Session.Index.CountAsync(new Index.FeatureFilter { SaeId = s.SaeId }, ct).ConfigureAwait(false);
            list.Add(new SaeInfo(s.Name, s.HookName, s.Layer, s.Sae.Cfg.Architecture, s.Sae.DIn, s.DSae, s.SaeId[..12], s.Cache is not null,
                s.Cache?.Info.Tokens, indexed));
        }
        return new SaesResult(list, list.Count == 0 ? "no SAE attached: feature tools need --sae DIR" : "name an SAE by its name in feature tools (optional when only one is attached)");
    }

    /// <summary>Hook names in forward order, optionally those containing <paramref name="contains"/> or of one layer.</summary>
    public HooksResult ListHooks(string? contains = null, int? layer = null)
    {
        if (layer is { } l) ToolArgs.Range(l, 0, Model.Config.NLayers - 1, "layer", "0");
        var all = HookShapes();
        var names = layer is { } ll ? new Models.LayerHooks(ll, Model.Config).InOrder().ToHashSet() : null;
        var hooks = all.Where(h => (names is null || names.Contains(h.Name)) && (string.IsNullOrEmpty(contains) || h.Name.Contains(contains, StringComparison.Ordinal))).ToList();
        return new HooksResult(hooks.Count, hooks, hooks.Count == 0 ? "no hook matches; call list_hooks without filters to see all" : "shapes are per forward pass of one text; 'pos' is the token axis");
    }

    private IReadOnlyList<HookInfo> HookShapes() => _hookShapes ??= Session.Exclusive(() =>
    {
        // one pass over a 13-token input, recording every hook's shape: real shapes, no name-suffix rules
        int T = Math.Min(13, Model.Config.NCtx);
        using var noGrad = Tensor.NoGrad();
        using var tokens = Tensor.FromArray(new long[T], 1, T);
        var (logits, cache) = Model.RunWithCache(tokens);
        using (logits) using (cache)
            return Model.HookNames.Where(cache.Contains).Select(n => new HookInfo(n, "[" + string.Join(", ", cache[n].Shape.ToArray().Select((d, i) =>
                i == 0 ? "batch" : d == T ? "pos" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]")).ToList();
    });

    public TokenizeResult Tokenize(string? text)
    {
        ToolArgs.Text(text, Limits);
        var ids = Session.Tokenizer.Encode(text!, addSpecialTokens: true);
        return new TokenizeResult(ids.Length, TokensOf(ids));
    }
}
