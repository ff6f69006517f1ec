// The catalogue primitives: what model is loaded, which SAEs are attached (with cache and index coverage), which hook
// points exist with their shapes, and how a text tokenizes.

namespace Interp.Agent.Tools;

public sealed record ModelInfo(string Name, string Architecture, int NLayers, int DModel, int NHeads, int DHead, int DMlp, int DVocab, int NCtx, string Folder);
public sealed record ModelsResult(IReadOnlyList<ModelInfo> Models, string Note);

/// <param name="Layer">the block of the hook, -1 outside the blocks</param>
/// <param name="HasCache">a latent cache is attached: feature_info gives examples, density and histograms</param>
/// <param name="Indexed">features of this SAE in the feature index (labels, search_features); 0 without an index</param>
public sealed record SaeInfo(string Name, string Hook, int Layer, string Architecture, int DIn, int DSae, string SaeId, bool HasCache,
    long? CacheTokens, long Indexed);
public sealed record SaesResult(IReadOnlyList<SaeInfo> Saes, string Note);

/// <param name="Shape">the activation's axes (TransformerLens names, sizes after '=')</param>
/// <param name="Layer">the block, or null outside the blocks</param>
public sealed record HookInfo(string Name, string Kind, int? Layer, string Shape);
public sealed record HooksResult(int Count, IReadOnlyList<HookInfo> Hooks, string Note);

public sealed record TokenizeResult(int Count, IReadOnlyList<TokenAt> Tokens);

public sealed partial class InterpPrimitives
{
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
        var hooks = Model.HookTable.Where(h => (layer is null || h.Layer == layer) && (string.IsNullOrEmpty(contains) || h.Name.Contains(contains, StringComparison.Ordinal)))
            .Select(h => new HookInfo(h.Name, h.KindName, h.Layer, "[" + string.Join(", ", h.Dims) + "]")).ToList();
        return new HooksResult(hooks.Count, hooks, hooks.Count == 0 ? "no hook matches; call list_hooks without filters to see all" : "'pos' is the token axis; sizes after '='");
    }

    public TokenizeResult Tokenize(string? text)
    {
        ToolArgs.Text(text, Limits);
        var ids = Session.Tokenizer.Encode(text!, addSpecialTokens: true);
        return new TokenizeResult(ids.Length, TokensOf(ids));
    }
}
