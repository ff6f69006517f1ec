// What every decoder-only architecture shares: the residual-stream loop, the sequential block, the
// final norm. Each architecture file maps its checkpoint's weights and says how it projects and embeds.
// Lifetimes: each block and sublayer runs in its own TensorScope, so no intermediate is disposed by hand.
using Interp.Tensors;

namespace Interp.Models;

public abstract class TransformerArchitecture
{
    public ModelConfig Config { get; }
    /// <summary>Parameters under their canonical checkpoint names (e.g. "h.0.attn.c_attn.weight").</summary>
    public IReadOnlyDictionary<string, Tensor> Weights => _weights;
    private readonly Dictionary<string, Tensor> _weights;
    internal LayerHooks[] Hooks { get; }
    internal Rotary? Rot { get; }

    /// <summary>Takes ownership of <paramref name="weights"/>: they leave any TensorScope and are freed by DisposeWeights.</summary>
    protected TransformerArchitecture(ModelConfig cfg, IReadOnlyDictionary<string, Tensor> weights)
    {
        Config = cfg;
        _weights = new Dictionary<string, Tensor>(weights, StringComparer.Ordinal);
        foreach (var w in _weights.Values) TensorScope.Escape(w);
        var table = HookTable.For(cfg);
        Hooks = Enumerable.Range(0, cfg.NLayers).Select(table.Layer).ToArray();
        if (cfg.Positions == PositionKind.Rotary)
        {
            var (cos, sin) = TensorOps.RotaryTables(cfg.NCtx, cfg.RotaryDim, cfg.RopeTheta);
            Rot = new Rotary(TensorScope.Escape(cos), TensorScope.Escape(sin));
        }
    }

    protected Tensor W(string name) => Weights.TryGetValue(name, out var t) ? t
        : throw new InvalidOperationException($"weight '{name}' is not loaded (a folded or pruned model?).");
    protected Tensor? Wopt(string name) => Weights.TryGetValue(name, out var t) ? t : null;

    /// <summary>Replaces (disposing the old tensor) or adds a weight; only weight processing at load calls this.</summary>
    internal void SetWeight(string name, Tensor value)
    {
        if (_weights.TryGetValue(name, out var old) && !ReferenceEquals(old, value)) old.Dispose();
        _weights[name] = TensorScope.Escape(value);
    }

    /// <summary>Drops a weight (disposing it), e.g. a norm's scale once folded into its readers.</summary>
    internal void RemoveWeight(string name)
    {
        if (_weights.Remove(name, out var old)) old.Dispose();
    }

    /// <summary>Frees every weight (with its gradient) and the rotary tables (HookedTransformer.Dispose).</summary>
    internal void DisposeWeights()
    {
        foreach (var w in _weights.Values.Concat(Rot is null ? [] : [Rot.Cos, Rot.Sin])) w.Dispose();
        _weights.Clear();
    }

    /// <summary>The roles of this architecture's weights (norm readers, residual writers, value biases,
    /// unembedding), under the names this file uses.</summary>
    public abstract WeightRoles Roles();

    internal abstract Tensor Embed(Tensor tokens, HookRun run, int posOffset);          // -> [batch, pos, d_model]
    internal abstract (Tensor q, Tensor k, Tensor v) Qkv(int layer, Tensor x);         // x [batch, pos, d_model] -> [batch, pos, heads, d_head] each
    internal abstract Tensor AttnOut(int layer, Tensor z);                             // z [batch, pos, heads·d_head] -> [batch, pos, d_model]
    internal abstract Tensor MlpForward(int layer, Tensor x, HookRun run);             // [batch, pos, d_model] -> same
    internal abstract (Tensor? w, Tensor? b) Ln1(int layer);
    internal abstract (Tensor? w, Tensor? b) Ln2(int layer);
    internal abstract (Tensor? w, Tensor? b) LnFinal();
    internal abstract Tensor Unembed(Tensor x);                                        // [batch, pos, d_model] -> [batch, pos, d_vocab]

    /// <summary>tokens [batch, pos] (I64/I32) -> logits [batch, pos, d_vocab], in the caller's scope. Each block
    /// consumes the residual stream it is given (adopts it into its scope) and keeps only its output.</summary>
    internal Tensor Forward(Tensor tokens, HookRun run, int posOffset, KvCache? kv)
    {
        var resid = Embed(tokens, run, posOffset);                         // [batch, pos, d_model]
        for (int l = 0; l < Config.NLayers; l++)
        {
            using var block = TensorScope.Begin();
            block.Adopt(resid);
            resid = block.Keep(Block(l, resid, run, posOffset, kv?[l]));
        }
        using var final = TensorScope.Begin();
        final.Adopt(resid);
        var (w, b) = LnFinal();
        var x = Norm.Apply(resid, w, b, Config.Norm, Config.Eps, run, HookTable.LnFinalScaleName, HookTable.LnFinalNormalizedName);
        return final.Keep(Unembed(x));                                     // [batch, pos, d_vocab]
    }

    /// <summary>x + attn(ln1 x), then + mlp(ln2 ·). GPT-NeoX overrides this with its parallel form.</summary>
    internal virtual Tensor Block(int l, Tensor resid, HookRun run, int posOffset, KvCache.Layer? kv)
    {
        var h = Hooks[l];
        resid = run.At(h.ResidPre, resid);
        var attn = run.At(h.AttnOut, AttentionSublayer(l, resid, run, posOffset, kv));
        var mid = run.At(h.ResidMid, resid + attn);
        var mlp = run.At(h.MlpOut, MlpSublayer(l, mid, run));
        return run.At(h.ResidPost, mid + mlp);
    }

    /// <summary>ln1 -> q, k, v -> attention -> output projection. [batch, pos, d_model] -> same (its own scope).</summary>
    protected Tensor AttentionSublayer(int l, Tensor resid, HookRun run, int posOffset, KvCache.Layer? kv)
    {
        using var scope = TensorScope.Begin();
        var h = Hooks[l];
        var (w1, b1) = Ln1(l);
        var n1 = Norm.Apply(resid, w1, b1, Config.Norm, Config.Eps, run, h.Ln1Scale, h.Ln1Normalized);
        var (q, k, v) = Qkv(l, n1);
        var z = Attention.Forward(q, k, v, h, run, Rot, posOffset, kv);   // [batch, pos, heads, d_head]
        var zf = z.Reshape(z.Shape[0], z.Shape[1], Config.NHeads * Config.DHead);
        return scope.Keep(AttnOut(l, zf));
    }

    /// <summary>ln2 -> MLP. [batch, pos, d_model] -> same (its own scope).</summary>
    protected Tensor MlpSublayer(int l, Tensor resid, HookRun run)
    {
        using var scope = TensorScope.Begin();
        var h = Hooks[l];
        var (w2, b2) = Ln2(l);
        var n2 = Norm.Apply(resid, w2, b2, Config.Norm, Config.Eps, run, h.Ln2Scale, h.Ln2Normalized);
        return scope.Keep(MlpForward(l, n2, run));
    }

    /// <summary>Splits [batch, pos, heads·d_head] into a [batch, pos, heads, d_head] view.</summary>
    protected static Tensor Heads(Tensor x, int heads, int dHead) => x.Reshape(x.Shape[0], x.Shape[1], heads, dHead);
}
