// The one hook table: a record per hook point (name, layer, kind, symbolic shape such as [batch, pos, d_model]),
// built once per model from its config, plus the points a splice adds (an SAE's hook_sae_*). This is the only file
// that spells TransformerLens / SAELens hook names; everything else asks the table (by kind and layer, or by name).
namespace Interp.Models;

/// <summary>What a hook point is, independent of its layer. Block kinds carry a layer; the SAE kinds belong to a splice.</summary>
public enum HookKind
{
    Embed, PosEmbed,
    ResidPre, Ln1Scale, Ln1Normalized, Q, K, V, RotQ, RotK, AttnScores, Pattern, Z, AttnOut, ResidMid,
    Ln2Scale, Ln2Normalized, MlpPre, MlpPreLinear, MlpPost, MlpOut, ResidPost,
    LnFinalScale, LnFinalNormalized,
    SaeInput, SaeActsPre, SaeActsPost, SaeRecons, SaeError, SaeOutput,
    /// <summary>A point a splice declared by name only (its shape is not known to the table).</summary>
    Spliced,
}

/// <summary>One axis of a hook's activation: a TransformerLens dimension name and its size (null for batch and positions).</summary>
public sealed record HookDim(string Name, int? Size)
{
    public override string ToString() => Size is { } s && Name != s.ToString(System.Globalization.CultureInfo.InvariantCulture) ? $"{Name}={s}" : Name;
}

/// <param name="Name">the hook name (TransformerLens's; an SAE's points are its anchor's name + ".hook_sae_*")</param>
/// <param name="Layer">the block it sits in (null for embeddings and ln_final; a splice's points take its anchor's)</param>
/// <param name="Dims">the activation's axes, e.g. batch, pos, d_model</param>
/// <param name="SplicedAt">for a splice's points, the model hook they are spliced at</param>
public sealed record HookPoint(string Name, HookKind Kind, int? Layer, IReadOnlyList<HookDim> Dims, string? SplicedAt = null)
{
    /// <summary>The symbolic shape, e.g. "[batch, pos, head_index, d_head]".</summary>
    public string Shape => Dims.Count == 0 ? "[?]" : "[" + string.Join(", ", Dims.Select(d => d.Name)) + "]";

    /// <summary>Whether the activation is [batch, pos, ...]: one value, vector or per-head matrix per token.</summary>
    public bool IsPerToken => Dims.Count >= 3 && Dims[0].Name == HookTable.Batch && Dims[1].Name == HookTable.Pos;

    /// <summary>[batch, pos, heads, d_head] (attn.hook_q/k/v/z and the rotated q/k).</summary>
    public bool HasHeadAxis => IsPerToken && Dims.Count == 4;

    /// <summary>Values per token (heads·d_head for a head axis); null unless <see cref="IsPerToken"/> with known sizes.</summary>
    public int? Width
    {
        get
        {
            if (!IsPerToken) return null;
            int w = 1;
            for (int i = 2; i < Dims.Count; i++) { if (Dims[i].Size is not { } s) return null; w *= s; }
            return w;
        }
    }

    /// <summary>Kind name as printed (snake_case), e.g. "resid_post", "sae_acts_post".</summary>
    public string KindName => HookTable.KindName(Kind);
}

/// <summary>
/// Every hook point of a model in forward order (the golden list per architecture), with any splices' points right
/// after the hook they are spliced at. Lookups by name or by (kind, layer); <see cref="Layer"/> gives one block's names
/// as fields for the forward pass. Immutable: a splice makes a new table.
/// </summary>
public sealed class HookTable : IReadOnlyList<HookPoint>
{
    // dimension names (TransformerLens's)
    public const string Batch = "batch", Pos = "pos", DModelDim = "d_model", HeadIndex = "head_index", KvHeadIndex = "kv_head_index",
        DHeadDim = "d_head", DMlpDim = "d_mlp", QueryPos = "query_pos", KeyPos = "key_pos", DIn = "d_in", DSae = "d_sae";

    // the names without a block prefix
    public const string EmbedName = "hook_embed", PosEmbedName = "hook_pos_embed",
        LnFinalScaleName = "ln_final.hook_scale", LnFinalNormalizedName = "ln_final.hook_normalized";

    private readonly HookPoint[] _points;
    private readonly Dictionary<string, int> _index;
    private readonly LayerHooks[] _layers;

    /// <summary>The model these points belong to.</summary>
    public ModelConfig Config { get; }
    /// <summary>The names in order.</summary>
    public IReadOnlyList<string> Names { get; }

    private HookTable(ModelConfig cfg, HookPoint[] points, LayerHooks[] layers)
    {
        Config = cfg; _points = points; _layers = layers;
        _index = new Dictionary<string, int>(points.Length, StringComparer.Ordinal);
        for (int i = 0; i < points.Length; i++)
            if (!_index.TryAdd(points[i].Name, i)) throw new ArgumentException($"hook '{points[i].Name}' appears twice in the table.");
        Names = points.Select(p => p.Name).ToArray();
    }

    /// <summary>The model's own hook points for <paramref name="cfg"/>, in the order a forward pass reaches them.</summary>
    public static HookTable For(ModelConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        var pts = new List<HookPoint> { Point(cfg, HookKind.Embed, null) };
        if (cfg.Positions == PositionKind.Learned) pts.Add(Point(cfg, HookKind.PosEmbed, null));
        for (int l = 0; l < cfg.NLayers; l++)
            foreach (var k in BlockKinds(cfg)) pts.Add(Point(cfg, k, l));
        pts.Add(Point(cfg, HookKind.LnFinalScale, null));
        pts.Add(Point(cfg, HookKind.LnFinalNormalized, null));
        var layers = Enumerable.Range(0, cfg.NLayers).Select(l => new LayerHooks(l, cfg)).ToArray();
        return new HookTable(cfg, pts.ToArray(), layers);
    }

    /// <summary>This table with <paramref name="points"/> inserted right after <paramref name="at"/> (a splice's points).</summary>
    public HookTable WithSplice(string at, IReadOnlyList<HookPoint> points)
    {
        int i = IndexOf(at);
        var list = _points.ToList();
        list.InsertRange(i + 1, points);
        return new HookTable(Config, list.ToArray(), _layers);
    }

    /// <summary>The points an SAE (or a transcoder) spliced at <paramref name="at"/> adds, in forward order:
    /// hook_sae_input, _acts_pre, _acts_post, _recons, (_error,) _output. Input, recons, error and output are
    /// [batch, pos, d_in]; the acts are [batch, pos, d_sae].</summary>
    public static IReadOnlyList<HookPoint> SaePoints(HookPoint at, int dIn, int dSae, bool includeError)
    {
        ArgumentNullException.ThrowIfNull(at);
        var kinds = includeError
            ? new[] { HookKind.SaeInput, HookKind.SaeActsPre, HookKind.SaeActsPost, HookKind.SaeRecons, HookKind.SaeError, HookKind.SaeOutput }
            : new[] { HookKind.SaeInput, HookKind.SaeActsPre, HookKind.SaeActsPost, HookKind.SaeRecons, HookKind.SaeOutput };
        return kinds.Select(k => new HookPoint(SaePointName(at.Name, k), k, at.Layer,
            new[] { new HookDim(Batch, null), new HookDim(Pos, null), k is HookKind.SaeActsPre or HookKind.SaeActsPost ? new HookDim(DSae, dSae) : new HookDim(DIn, dIn) },
            at.Name)).ToArray();
    }

    /// <summary>The name of an SAE stage's point for an SAE spliced at <paramref name="anchor"/>.</summary>
    public static string SaePointName(string anchor, HookKind kind)
    {
        if (string.IsNullOrWhiteSpace(anchor)) throw new ArgumentException("an SAE hook point needs the model hook it is spliced at (cfg.json hook_name).");
        return kind switch
        {
            HookKind.SaeInput or HookKind.SaeActsPre or HookKind.SaeActsPost or HookKind.SaeRecons or HookKind.SaeError or HookKind.SaeOutput => anchor + "." + Suffix(kind),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), $"{kind} is not an SAE point."),
        };
    }

    /// <summary>The name a model hook of <paramref name="kind"/> has (at <paramref name="layer"/> for block kinds).</summary>
    public static string NameOf(HookKind kind, int? layer = null)
    {
        if (IsBlockKind(kind))
            return layer is { } l && l >= 0 ? $"blocks.{l}.{Suffix(kind)}" : throw new ArgumentException($"{KindName(kind)} is a block hook; give its layer.");
        if (kind is HookKind.Embed or HookKind.PosEmbed or HookKind.LnFinalScale or HookKind.LnFinalNormalized) return Suffix(kind);
        throw new ArgumentOutOfRangeException(nameof(kind), $"{kind} is not a model hook; SAE points are named by SaePointName.");
    }

    public int Count => _points.Length;
    public HookPoint this[int index] => _points[index];
    public IEnumerator<HookPoint> GetEnumerator() => ((IEnumerable<HookPoint>)_points).GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _points.GetEnumerator();

    public bool Contains(string name) => _index.ContainsKey(name);
    public bool TryGet(string name, out HookPoint point)
    {
        bool ok = _index.TryGetValue(name, out int i);
        point = ok ? _points[i] : null!;
        return ok;
    }

    /// <summary>The point named <paramref name="name"/>; an unknown name is an ArgumentException listing the nearest ones.</summary>
    public HookPoint this[string name] => _points[IndexOf(name)];

    /// <summary>The point of <paramref name="kind"/> (at <paramref name="layer"/>), or null when this model has none
    /// (hook_pos_embed in a rotary model, hook_resid_mid with a parallel residual, ...).</summary>
    public HookPoint? Find(HookKind kind, int? layer = null)
    {
        foreach (var p in _points) if (p.Kind == kind && p.Layer == layer && p.SplicedAt is null) return p;
        return null;
    }

    /// <summary>The name of the point of <paramref name="kind"/> (at <paramref name="layer"/>); throws when this model has none.</summary>
    public string Name(HookKind kind, int? layer = null) => Find(kind, layer)?.Name
        ?? throw new ArgumentException($"this {Config.ModelType} model has no {KindName(kind)} hook{(layer is { } l ? $" in block {l}" : "")}" +
            $"{(layer is { } l2 && (l2 < 0 || l2 >= Config.NLayers) ? $" (it has blocks 0..{Config.NLayers - 1})" : "")}.");

    /// <summary>Every point of the given kinds, in order.</summary>
    public IEnumerable<HookPoint> OfKind(params HookKind[] kinds) => _points.Where(p => kinds.Contains(p.Kind));

    /// <summary>One block's hook names as fields (what the forward pass reads, with no string work per pass).</summary>
    public LayerHooks Layer(int layer) => layer >= 0 && layer < _layers.Length ? _layers[layer]
        : throw new ArgumentOutOfRangeException(nameof(layer), $"layer {layer} is outside 0..{_layers.Length - 1}.");

    /// <summary>The position of <paramref name="name"/> in the table; unknown names fail with the nearest valid ones.</summary>
    public int IndexOf(string name)
    {
        if (_index.TryGetValue(name, out int i)) return i;
        var near = NameSuggestions.Nearest(Names, name);
        throw new ArgumentException($"unknown hook '{name}' for this {Config.ModelType} model; nearest valid names: {string.Join(", ", near)}.");
    }

    /// <summary>The kinds a block has, in forward order, for this config.</summary>
    internal static IEnumerable<HookKind> BlockKinds(ModelConfig cfg)
    {
        yield return HookKind.ResidPre; yield return HookKind.Ln1Scale; yield return HookKind.Ln1Normalized;
        yield return HookKind.Q; yield return HookKind.K; yield return HookKind.V;
        if (cfg.Positions == PositionKind.Rotary) { yield return HookKind.RotQ; yield return HookKind.RotK; }
        yield return HookKind.AttnScores; yield return HookKind.Pattern; yield return HookKind.Z; yield return HookKind.AttnOut;
        if (!cfg.ParallelResidual) yield return HookKind.ResidMid;
        yield return HookKind.Ln2Scale; yield return HookKind.Ln2Normalized;
        yield return HookKind.MlpPre;
        if (cfg.GatedMlp) yield return HookKind.MlpPreLinear;
        yield return HookKind.MlpPost; yield return HookKind.MlpOut; yield return HookKind.ResidPost;
    }

    private static bool IsBlockKind(HookKind k) => k is >= HookKind.ResidPre and <= HookKind.ResidPost;

    private static string Suffix(HookKind k) => k switch
    {
        HookKind.Embed => EmbedName,
        HookKind.PosEmbed => PosEmbedName,
        HookKind.ResidPre => "hook_resid_pre",
        HookKind.Ln1Scale => "ln1.hook_scale",
        HookKind.Ln1Normalized => "ln1.hook_normalized",
        HookKind.Q => "attn.hook_q",
        HookKind.K => "attn.hook_k",
        HookKind.V => "attn.hook_v",
        HookKind.RotQ => "attn.hook_rot_q",
        HookKind.RotK => "attn.hook_rot_k",
        HookKind.AttnScores => "attn.hook_attn_scores",
        HookKind.Pattern => "attn.hook_pattern",
        HookKind.Z => "attn.hook_z",
        HookKind.AttnOut => "hook_attn_out",
        HookKind.ResidMid => "hook_resid_mid",
        HookKind.Ln2Scale => "ln2.hook_scale",
        HookKind.Ln2Normalized => "ln2.hook_normalized",
        HookKind.MlpPre => "mlp.hook_pre",
        HookKind.MlpPreLinear => "mlp.hook_pre_linear",
        HookKind.MlpPost => "mlp.hook_post",
        HookKind.MlpOut => "hook_mlp_out",
        HookKind.ResidPost => "hook_resid_post",
        HookKind.LnFinalScale => LnFinalScaleName,
        HookKind.LnFinalNormalized => LnFinalNormalizedName,
        HookKind.SaeInput => "hook_sae_input",
        HookKind.SaeActsPre => "hook_sae_acts_pre",
        HookKind.SaeActsPost => "hook_sae_acts_post",
        HookKind.SaeRecons => "hook_sae_recons",
        HookKind.SaeError => "hook_sae_error",
        HookKind.SaeOutput => "hook_sae_output",
        _ => throw new ArgumentOutOfRangeException(nameof(k), $"{k} has no fixed name."),
    };

    /// <summary>snake_case of the kind ("resid_post", "ln1_scale", "sae_acts_post").</summary>
    public static string KindName(HookKind k)
    {
        var s = k.ToString();
        var b = new System.Text.StringBuilder(s.Length + 4);
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsUpper(s[i]) && i > 0) b.Append('_');
            b.Append(char.ToLowerInvariant(s[i]));
        }
        return b.ToString();
    }

    private static HookPoint Point(ModelConfig c, HookKind k, int? layer)
    {
        HookDim B = new(Batch, null), P = new(Pos, null);
        HookDim Heads = new(HeadIndex, c.NHeads), DH = new(DHeadDim, c.DHead);
        HookDim KvHeads = c.NKvHeads == c.NHeads ? Heads : new HookDim(KvHeadIndex, c.NKvHeads);
        HookDim[] dims = k switch
        {
            HookKind.Ln1Scale or HookKind.Ln2Scale or HookKind.LnFinalScale => [B, P, new HookDim("1", 1)],
            HookKind.Q or HookKind.RotQ or HookKind.Z => [B, P, Heads, DH],
            HookKind.K or HookKind.V or HookKind.RotK => [B, P, KvHeads, DH],
            HookKind.AttnScores or HookKind.Pattern => [B, Heads, new HookDim(QueryPos, null), new HookDim(KeyPos, null)],
            HookKind.MlpPre or HookKind.MlpPreLinear or HookKind.MlpPost => [B, P, new HookDim(DMlpDim, c.DMlp)],
            _ => [B, P, new HookDim(DModelDim, c.DModel)],
        };
        return new HookPoint(NameOf(k, layer), k, layer, dims);
    }
}

/// <summary>Precomputed hook names of one block (built once per model, so forward passes do no string work).</summary>
public sealed class LayerHooks
{
    public readonly int Layer;
    public readonly string ResidPre, Ln1Scale, Ln1Normalized, Q, K, V, RotQ, RotK, AttnScores, Pattern, Z, AttnOut,
        ResidMid, Ln2Scale, Ln2Normalized, MlpPre, MlpPreLinear, MlpPost, MlpOut, ResidPost;
    private readonly ModelConfig _cfg;

    public LayerHooks(int l, ModelConfig cfg)
    {
        Layer = l; _cfg = cfg;
        static string N(HookKind k, int layer) => HookTable.NameOf(k, layer);
        ResidPre = N(HookKind.ResidPre, l); Ln1Scale = N(HookKind.Ln1Scale, l); Ln1Normalized = N(HookKind.Ln1Normalized, l);
        Q = N(HookKind.Q, l); K = N(HookKind.K, l); V = N(HookKind.V, l); RotQ = N(HookKind.RotQ, l); RotK = N(HookKind.RotK, l);
        AttnScores = N(HookKind.AttnScores, l); Pattern = N(HookKind.Pattern, l); Z = N(HookKind.Z, l); AttnOut = N(HookKind.AttnOut, l);
        ResidMid = N(HookKind.ResidMid, l); Ln2Scale = N(HookKind.Ln2Scale, l); Ln2Normalized = N(HookKind.Ln2Normalized, l);
        MlpPre = N(HookKind.MlpPre, l); MlpPreLinear = N(HookKind.MlpPreLinear, l); MlpPost = N(HookKind.MlpPost, l);
        MlpOut = N(HookKind.MlpOut, l); ResidPost = N(HookKind.ResidPost, l);
    }

    /// <summary>This block's names in forward order.</summary>
    public IEnumerable<string> InOrder() => HookTable.BlockKinds(_cfg).Select(k => HookTable.NameOf(k, Layer));
}
