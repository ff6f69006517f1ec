// Sparse-feature kernels for TopK dictionaries: a fused encoder (x·W + b, keep each row's k largest,
// ReLU) and a decoder that gathers the rows of W named by feature indices. Backward passes touch only
// the N·k active (row, feature) pairs, so a [4096, 24576] dictionary never materialises dense codes.
using System.Numerics.Tensors;

namespace Interp.Tensors;

public static partial class TensorOps
{
    /// <summary>acts = ReLU(topk_k(x·W + b)) per row, with the feature index of each kept value.</summary>
    /// <param name="x">[N, d_in]</param>
    /// <param name="w">[d_in, d_sae]</param>
    /// <param name="b">[d_sae]</param>
    /// <returns>acts [N, k] (sorted descending) and indices [N, k] (I64); gradient flows to x, w, b through acts.</returns>
    public static (Tensor acts, Tensor indices) TopKLinear(Tensor x, Tensor w, Tensor b, int k)
    {
        if (x.DType != DType.F32 || w.DType != DType.F32 || b.DType != DType.F32)
            throw new ArgumentException($"TopKLinear computes in F32 (got x {x.DType}, w {w.DType}, b {b.DType}).");
        if (x.Rank != 2 || w.Rank != 2 || b.Rank != 1 || w.Shape[0] != x.Shape[1] || b.Shape[0] != w.Shape[1])
            throw new ArgumentException($"TopKLinear expects x [N, d_in], w [d_in, d_sae], b [d_sae]; got [{ShapeUtil.Str(x.Shape)}], [{ShapeUtil.Str(w.Shape)}], [{ShapeUtil.Str(b.Shape)}].");
        int n = x.Shape[0], dIn = x.Shape[1], dSae = w.Shape[1];
        if (k < 1 || k > dSae) throw new ArgumentOutOfRangeException(nameof(k), $"k = {k} must be in 1..{dSae} (d_sae).");

        Tensor acts, idx;
        using (GradMode.NoGrad())
        {
            using var pre = MatMulNoGrad(x, w);                    // [N, d_sae]
            var bs = ContiguousSpan(b, out var bh);
            var pa = pre.Data<float>();
            Par.For(n, dSae, (s, e) => { for (int r = s; r < e; r++) TensorPrimitives.Add(pa.AsSpan(r * dSae, dSae), bs.Span, pa.AsSpan(r * dSae, dSae)); });
            bh?.Dispose();
            (acts, idx) = TopK(pre, k, -1, true);
            var av = acts.Data<float>();
            TensorPrimitives.Max(av.AsSpan(0, n * k), 0f, av.AsSpan(0, n * k));
        }
        var ids = idx;
        acts = Tensor.Record(acts, "topk_linear", new[] { x, w, b }, g =>
        {
            var gs = ContiguousSpan(g, out var gh);
            var a = acts.Data<float>(); var ix = ids.Data<long>();
            var dp = new float[n * k];                               // d pre at the kept positions (ReLU mask)
            var gspan = gs.Span;
            for (int i = 0; i < dp.Length; i++) dp[i] = a[i] > 0 ? gspan[i] : 0f;
            gh?.Dispose();
            Tensor? gx = null, gw = null, gb = null;
            if (b.RequiresGrad)
            {
                gb = Tensor.Zeros(dSae);
                var gbs = gb.Data<float>();
                for (int i = 0; i < dp.Length; i++) gbs[ix[i]] += dp[i];
            }
            if (w.RequiresGrad)
            {
                // Group the active pairs by feature (counting sort), accumulate dWᵀ rows with SIMD axpys, transpose once.
                var start = new int[dSae + 1];
                for (int i = 0; i < ix.Length; i++) if (dp[i] != 0f) start[ix[i] + 1]++;
                for (int f = 0; f < dSae; f++) start[f + 1] += start[f];
                var fill = (int[])start.Clone();
                var pairs = new int[start[dSae]];
                for (int i = 0; i < ix.Length; i++) if (dp[i] != 0f) pairs[fill[ix[i]]++] = i;
                using var xc = ContiguousNoGrad(x);
                var xs = xc.Data<float>(); int xo = xc.Offset;
                using var gwt = Tensor.Zeros(dSae, dIn);                 // [d_sae, d_in]
                var gts = gwt.Data<float>();
                Par.For(dSae, (long)dIn * Math.Max(1, pairs.Length / Math.Max(1, dSae)), (s, e) =>
                {
                    for (int f = s; f < e; f++)
                        for (int p = start[f]; p < start[f + 1]; p++)
                        {
                            int i = pairs[p];
                            TensorPrimitives.MultiplyAdd(xs.AsSpan(xo + (i / k) * dIn, dIn), dp[i], gts.AsSpan(f * dIn, dIn), gts.AsSpan(f * dIn, dIn));
                        }
                });
                using var view = gwt.T;
                gw = ContiguousNoGrad(view);                             // [d_in, d_sae]
            }
            if (x.RequiresGrad)
            {
                gx = Tensor.Zeros(n, dIn);
                var gxs = gx.Data<float>();
                using var wView = w.T;
                using var wt = ContiguousNoGrad(wView);              // [d_sae, d_in]: row f is feature f's encoder direction
                var ws = wt.Data<float>(); int wo = wt.Offset;
                Par.For(n, (long)k * dIn, (s, e) =>
                {
                    for (int r = s; r < e; r++)
                        for (int j = r * k, end = j + k; j < end; j++)
                            if (dp[j] != 0f) TensorPrimitives.MultiplyAdd(ws.AsSpan(wo + (int)ix[j] * dIn, dIn), dp[j], gxs.AsSpan(r * dIn, dIn), gxs.AsSpan(r * dIn, dIn));
                });
            }
            return new[] { gx, gw, gb };
        }, idx, acts);
        return (acts, idx);
    }

    /// <summary>y[r] = Σ_j acts[r, j] · w[indices[r, j], :] — decoding sparse codes by gathering rows of w.</summary>
    /// <param name="acts">[N, k]</param>
    /// <param name="indices">[N, k] I64 feature ids in 0..d_sae-1</param>
    /// <param name="w">[d_sae, d_out]</param>
    /// <returns>[N, d_out]; gradient flows to acts and w.</returns>
    public static Tensor SparseRowsMatMul(Tensor acts, Tensor indices, Tensor w)
    {
        if (acts.DType != DType.F32 || w.DType != DType.F32 || indices.DType != DType.I64)
            throw new ArgumentException($"SparseRowsMatMul expects F32 acts and w, I64 indices (got {acts.DType}, {w.DType}, {indices.DType}).");
        if (acts.Rank != 2 || w.Rank != 2 || !ShapeUtil.SameShape(acts.Shape, indices.Shape))
            throw new ArgumentException($"SparseRowsMatMul expects acts [N, k], indices [N, k], w [d_sae, d_out]; got [{ShapeUtil.Str(acts.Shape)}], [{ShapeUtil.Str(indices.Shape)}], [{ShapeUtil.Str(w.Shape)}].");
        int n = acts.Shape[0], k = acts.Shape[1], dSae = w.Shape[0], dOut = w.Shape[1];
        using var ic = ContiguousNoGrad(indices);
        var ix = ic.Span<long>().ToArray();
        for (int i = 0; i < ix.Length; i++)
            if ((ulong)ix[i] >= (ulong)dSae) throw new ArgumentOutOfRangeException(nameof(indices), $"feature index {ix[i]} at [{i / Math.Max(k, 1)}, {i % Math.Max(k, 1)}] is outside 0..{dSae - 1}.");
        using var ac = ContiguousNoGrad(acts);
        var wc = ContiguousNoGrad(w);   // saved by the node below (retained), our handle disposed at the end
        var a = ac.Span<float>().ToArray();
        var ws = wc.Data<float>(); int wo = wc.Offset;
        var y = Tensor.Zeros(n, dOut);
        var ys = y.Data<float>();
        Par.For(n, (long)k * dOut, (s, e) =>
        {
            for (int r = s; r < e; r++)
                for (int j = r * k, end = j + k; j < end; j++)
                    if (a[j] != 0f) TensorPrimitives.MultiplyAdd(ws.AsSpan(wo + (int)ix[j] * dOut, dOut), a[j], ys.AsSpan(r * dOut, dOut), ys.AsSpan(r * dOut, dOut));
        });
        y = Tensor.Record(y, "sparse_rows_matmul", new[] { acts, w }, g =>
        {
            var gs = ContiguousSpan(g, out var gh);
            Tensor? ga = null, gw = null;
            if (acts.RequiresGrad)
            {
                ga = Tensor.Empty(n, k);
                var gas = ga.Data<float>();
                var gmem = gs;
                Par.For(n, (long)k * dOut, (s, e) =>
                {
                    for (int r = s; r < e; r++)
                        for (int j = r * k, end = j + k; j < end; j++)
                            gas[j] = TensorPrimitives.Dot(ws.AsSpan(wo + (int)ix[j] * dOut, dOut), gmem.Span.Slice(r * dOut, dOut));
                });
            }
            if (w.RequiresGrad)
            {
                gw = Tensor.Zeros(dSae, dOut);
                var gws = gw.Data<float>();
                int parts = Math.Max(1, Math.Min(Par.Threads, dSae));
                var gmem = gs;
                // Each worker owns a contiguous range of features, so no two write the same row.
                Par.For(parts, (long)n * k * dOut, (s, e) =>
                {
                    for (int p = s; p < e; p++)
                    {
                        int lo = (int)((long)dSae * p / parts), hi = (int)((long)dSae * (p + 1) / parts);
                        for (int j = 0; j < ix.Length; j++)
                        {
                            int f = (int)ix[j];
                            if (f < lo || f >= hi || a[j] == 0f) continue;
                            TensorPrimitives.MultiplyAdd(gmem.Span.Slice((j / k) * dOut, dOut), a[j], gws.AsSpan(f * dOut, dOut), gws.AsSpan(f * dOut, dOut));
                        }
                    }
                });
            }
            gh?.Dispose();
            return new[] { ga, gw };
        }, wc);
        wc.Dispose();
        return y;
    }

    /// <summary>The elements of t in row-major order without recording; <paramref name="holder"/> must be disposed after use.</summary>
    private static Memory<float> ContiguousSpan(Tensor t, out Tensor? holder)
    {
        if (t.IsContiguous) { holder = null; return t.Data<float>().AsMemory(t.Offset, t.Numel); }
        holder = ContiguousNoGrad(t);
        return holder.Data<float>().AsMemory(holder.Offset, holder.Numel);
    }
}
