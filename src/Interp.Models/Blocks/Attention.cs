// Causal multi-head attention from per-head q, k, v: hooks q/k/v, rotary (rot_q/rot_k), scores,
// pattern and z, grouped-query sharing and an optional KV cache. Projections belong to each architecture.
// Runs inside the attention sublayer's TensorScope: intermediates are freed with it.
using Interp.Tensors;

namespace Interp.Models;

internal static class Attention
{
    /// <param name="q">[batch, pos, n_heads, d_head] (may be a strided view)</param>
    /// <param name="k">[batch, pos, n_kv_heads, d_head]</param>
    /// <param name="v">[batch, pos, n_kv_heads, d_head]</param>
    /// <returns>z [batch, pos, n_heads, d_head], contiguous</returns>
    public static Tensor Forward(Tensor q, Tensor k, Tensor v, LayerHooks h, HookRun run, Rotary? rotary, int posOffset, KvCache.Layer? kv)
    {
        q = run.At(h.Q, q); k = run.At(h.K, k); v = run.At(h.V, v);
        if (rotary is not null)
        {
            q = run.At(h.RotQ, TensorOps.ApplyRotary(q, rotary.Cos, rotary.Sin, posOffset));
            k = run.At(h.RotK, TensorOps.ApplyRotary(k, rotary.Cos, rotary.Sin, posOffset));
        }
        if (kv is not null) (k, v) = kv.Append(k, v);

        int nq = q.Shape[1], nh = q.Shape[2], dh = q.Shape[3];
        int nk = k.Shape[1], nkv = k.Shape[2];
        if (nkv != nh)
        {
            int rep = nh / nkv;
            k = RepeatHeads(k, rep); v = RepeatHeads(v, rep);
        }
        var qh = q.Permute(0, 2, 1, 3);            // [batch, head, q, d_head]
        var kt = k.Permute(0, 2, 3, 1);            // [batch, head, d_head, k]
        var raw = TensorOps.MatMul(qh, kt);        // [batch, head, q, k]
        double scale = 1.0 / Math.Sqrt(dh);
        Tensor pattern;                             // [batch, head, q, k]
        if (run.Wants(h.AttnScores))
        {
            var scaled = raw * scale;
            var mask = TensorOps.CausalMask(nq, nk);
            var scores = run.At(h.AttnScores, TensorOps.MaskedFill(scaled, mask, double.NegativeInfinity));
            pattern = run.At(h.Pattern, TensorOps.Softmax(scores, -1));
        }
        else pattern = run.At(h.Pattern, TensorOps.CausalSoftmax(raw, scale)); // fused scale + mask + softmax
        var vh = v.Permute(0, 2, 1, 3);            // [batch, head, k, d_head]
        var zh = TensorOps.MatMul(pattern, vh);    // [batch, head, q, d_head]
        var zv = zh.Permute(0, 2, 1, 3);           // [batch, q, head, d_head] view
        return run.At(h.Z, TensorOps.Contiguous(zv));
    }

    /// <summary>[b, pos, n_kv, d] -> [b, pos, n_kv·rep, d] with each kv head repeated rep times (GQA).</summary>
    private static Tensor RepeatHeads(Tensor x, int rep)
    {
        int b = x.Shape[0], p = x.Shape[1], n = x.Shape[2], d = x.Shape[3];
        return x.Unsqueeze(3).Expand(b, p, n, rep, d).Reshape(b, p, n * rep, d);
    }
}

/// <summary>Rotary cos/sin tables for every position up to the context length.</summary>
internal sealed class Rotary(Tensor cos, Tensor sin)
{
    public Tensor Cos { get; } = cos; // [n_ctx, rotary_dim]
    public Tensor Sin { get; } = sin; // [n_ctx, rotary_dim]
}
