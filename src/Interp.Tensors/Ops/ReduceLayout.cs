// How a reduction sees its input: every reduction is done on a contiguous [outer, R, inner] layout
// (R = the reduced elements). Plus the shared summation kernels (pairwise, so float32 error grows ~log n)
// and the scaffolding that splits [outer × inner-blocks] work over the cores. Not public API.
using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Interp.Tensors;

internal sealed class ReducePlan
{
    public readonly int[] InShape;     // x's shape
    public readonly int[] Axes;        // normalised, sorted, distinct
    public readonly int[]? Perm;       // permutation (kept axes, then reduced) applied before the copy; null = none
    public readonly int Outer, R, Inner;
    public readonly int[] OutShape;    // with or without the reduced axes, per keepDim
    public readonly int[] KeepShape;   // reduced axes as size 1

    private ReducePlan(int[] inShape, int[] axes, int[]? perm, int outer, int r, int inner, int[] outShape, int[] keepShape)
    {
        InShape = inShape; Axes = axes; Perm = perm; Outer = outer; R = r; Inner = inner; OutShape = outShape; KeepShape = keepShape;
    }

    /// <summary>Plans a reduction of <paramref name="shape"/> over <paramref name="axes"/> (null = all; negative allowed).</summary>
    public static ReducePlan Make(int[] shape, int[]? axes, bool keepDim, string op)
    {
        int rank = shape.Length;
        int[] ax;
        if (axes is null) ax = Enumerable.Range(0, rank).ToArray();
        else
        {
            if (axes.Length == 0)
                throw new ArgumentException($"{op}: axes is an empty list; pass null to reduce over all axes, or name the axes to reduce.");
            ax = axes.Select(a => ShapeUtil.Axis(a, rank)).OrderBy(a => a).ToArray();
            for (int i = 1; i < ax.Length; i++)
                if (ax[i] == ax[i - 1]) throw new ArgumentException($"{op}: axes [{ShapeUtil.Str(axes)}] name axis {ax[i]} twice; list each axis once.");
        }
        var reduced = new bool[rank];
        foreach (var a in ax) reduced[a] = true;
        var keep = shape.Select((d, i) => reduced[i] ? 1 : d).ToArray();
        var outShape = keepDim ? keep : shape.Where((_, i) => !reduced[i]).ToArray();
        int r = 1;
        foreach (var a in ax) r *= shape[a];
        if (ax.Length == 0) return new ReducePlan(shape, ax, null, ShapeUtil.Numel(shape), 1, 1, outShape, keep);

        // Reduced axes that are consecutive (size-1 kept axes between them do not matter) need no permutation.
        int first = ax[0], last = ax[^1];
        bool block = true;
        for (int i = first; i <= last; i++) if (!reduced[i] && shape[i] != 1) { block = false; break; }
        if (block)
        {
            int outer = 1, inner = 1;
            for (int i = 0; i < first; i++) outer *= shape[i];
            for (int i = last + 1; i < rank; i++) inner *= shape[i];
            return new ReducePlan(shape, ax, null, outer, r, inner, outShape, keep);
        }
        var perm = Enumerable.Range(0, rank).Where(i => !reduced[i]).Concat(ax).ToArray();
        int o2 = 1;
        for (int i = 0; i < rank; i++) if (!reduced[i]) o2 *= shape[i];
        return new ReducePlan(shape, ax, perm, o2, r, 1, outShape, keep);
    }

    /// <summary>A contiguous tensor whose elements are x's in [Outer, R, Inner] order (caller disposes).</summary>
    public Tensor Layout(Tensor x)
    {
        using var d = x.Detach();
        if (Perm is null) return TensorOps.Contiguous(d);
        using var p = TensorOps.Permute(d, Perm);
        return TensorOps.Contiguous(p);
    }

    /// <summary>The inverse of Layout: a contiguous tensor of InShape from one in [Outer, R, Inner] order.</summary>
    public Tensor FromLayout(Tensor gl)
    {
        if (Perm is null) return TensorOps.Reshape(gl, InShape);
        var permShape = Perm.Select(a => InShape[a]).ToArray();
        var inv = new int[Perm.Length];
        for (int i = 0; i < Perm.Length; i++) inv[Perm[i]] = i;
        using var v = TensorOps.Reshape(gl, permShape);
        using var p = TensorOps.Permute(v, inv);
        return TensorOps.Contiguous(p);
    }

    /// <summary>g (OutShape) broadcast back to InShape times <paramref name="scale"/>: the backward of sum/mean.</summary>
    public Tensor ExpandGrad(Tensor g, double scale)
    {
        using var gs = scale == 1.0 ? g.Detach() : TensorOps.Mul(g, scale);
        using var gk = TensorOps.Reshape(gs, KeepShape);
        using var ge = TensorOps.Expand(gk, InShape);
        return TensorOps.Contiguous(ge);
    }
}

internal static class ReduceKernels
{
    /// <summary>Rows at or below this length are summed by one SIMD sum; longer ones are split in halves (pairwise).</summary>
    private const int PairwiseLeaf = 256;
    /// <summary>Rows of a column sum added one after another before the pairwise split.</summary>
    private const int ColumnLeaf = 16;

    public static void RequireFloat(Tensor x, string op)
    {
        if (!DTypeInfo.IsFloat(x.DType))
            throw new ArgumentException($"{op} needs a float tensor (F32 or F64); got {x.DType}. Convert it with To(DType.F32) first.");
    }

    /// <summary>A contiguous, graph-free copy or view of t (caller disposes).</summary>
    public static Tensor Dense(Tensor t)
    {
        using var d = t.Detach();
        return TensorOps.Contiguous(d);
    }

    /// <summary>Pairwise sum: error ~ (leaf/lanes + log2 n)·eps instead of n·eps for a running sum.</summary>
    public static T PSum<T>(ReadOnlySpan<T> s) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (s.Length <= PairwiseLeaf) return TensorPrimitives.Sum(s);
        int h = (s.Length / 2 + 15) & ~15;
        return PSum(s[..h]) + PSum(s[h..]);
    }

    /// <summary>dst[i] = Σ_{r in [r0, r1)} src[off + r·inner + i] for i in [0, dst.Length), pairwise over r.</summary>
    public static void ColSum<T>(T[] src, int off, int inner, int r0, int r1, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int len = dst.Length;
        if (r1 - r0 <= ColumnLeaf)
        {
            if (r1 == r0) { dst.Clear(); return; }
            src.AsSpan(off + r0 * inner, len).CopyTo(dst);
            for (int r = r0 + 1; r < r1; r++) TensorPrimitives.Add(dst, src.AsSpan(off + r * inner, len), dst);
            return;
        }
        int mid = r0 + (r1 - r0) / 2;
        ColSum(src, off, inner, r0, mid, dst);
        var tmp = ArrayPool<T>.Shared.Rent(len);
        try
        {
            var t = tmp.AsSpan(0, len);
            ColSum(src, off, inner, mid, r1, t);
            TensorPrimitives.Add(dst, t, dst);
        }
        finally { ArrayPool<T>.Shared.Return(tmp); }
    }

    /// <summary>Runs body(o, i0, len) over outer × blocks of inner (whole rows when inner == 1), split over the cores.</summary>
    public static void ForBlocks(int outer, int r, int inner, Action<int, int, int> body)
    {
        int blocks = 1;
        if (inner > 1 && outer < Par.Threads) blocks = Math.Clamp(inner / 64, 1, Par.Threads);
        int bsz = (inner + blocks - 1) / blocks;
        if (blocks > 1) { bsz = (bsz + 15) & ~15; blocks = (inner + bsz - 1) / bsz; }
        Par.For(outer * blocks, (long)Math.Max(r, 1) * bsz, (s, e) =>
        {
            for (int t = s; t < e; t++)
            {
                int o = t / blocks, i0 = t % blocks * bsz;
                body(o, i0, Math.Min(bsz, inner - i0));
            }
        });
    }

    /// <summary>dst[o·inner + i] = Σ_r src[srcOff + (o·R + r)·inner + i].</summary>
    public static void SumLayout<T>(T[] src, int srcOff, int outer, int r, int inner, T[] dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inner == 1)
            ForBlocks(outer, r, 1, (o, _, _) => dst[o] = PSum<T>(src.AsSpan(srcOff + o * r, r)));
        else
            ForBlocks(outer, r, inner, (o, i0, len) => ColSum(src, srcOff + o * r * inner + i0, inner, 0, r, dst.AsSpan(o * inner + i0, len)));
    }

    /// <summary>dst[o·inner + i] = max_r src[...] (NaN propagates, as torch.amax). Needs R ≥ 1.</summary>
    public static void MaxLayout<T>(T[] src, int srcOff, int outer, int r, int inner, T[] dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inner == 1)
            ForBlocks(outer, r, 1, (o, _, _) => dst[o] = TensorPrimitives.Max<T>(src.AsSpan(srcOff + o * r, r)));
        else
            ForBlocks(outer, r, inner, (o, i0, len) =>
            {
                var d = dst.AsSpan(o * inner + i0, len);
                int b = srcOff + o * r * inner + i0;
                src.AsSpan(b, len).CopyTo(d);
                for (int k = 1; k < r; k++) TensorPrimitives.Max(d, src.AsSpan(b + k * inner, len), d);
            });
    }
}
