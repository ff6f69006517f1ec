// Reductions over axes: Sum, Mean, Var (torch's `correction`), AMax (ties share the gradient, as torch.amax),
// and Max along one axis with its argmax (the gradient goes to the first maximum). Forward and backward side
// by side. Float sums are pairwise (ReduceKernels.PSum / ColSum), not double-accumulated.
using System.Numerics;
using System.Numerics.Tensors;

namespace Interp.Tensors;

public static partial class TensorOps
{
    /// <summary>Sum over <paramref name="axes"/> (null = all axes, giving a rank-0 tensor; negative axes count from the end).</summary>
    public static Tensor Sum(Tensor x, int[]? axes = null, bool keepDim = false)
    {
        ReduceKernels.RequireFloat(x, "Sum");
        var plan = ReducePlan.Make(x.Shape, axes, keepDim, "Sum");
        var y = ReduceSumDivided(x, plan, 1);
        return Tensor.Record(y, "sum", new[] { x }, g => new[] { plan.ExpandGrad(g, 1.0) });
    }

    /// <summary>Mean over <paramref name="axes"/> (null = all). An empty reduction gives NaN, as torch.</summary>
    public static Tensor Mean(Tensor x, int[]? axes = null, bool keepDim = false)
    {
        ReduceKernels.RequireFloat(x, "Mean");
        var plan = ReducePlan.Make(x.Shape, axes, keepDim, "Mean");
        double inv = 1.0 / plan.R;
        var y = ReduceSumDivided(x, plan, plan.R);
        return Tensor.Record(y, "mean", new[] { x }, g => new[] { plan.ExpandGrad(g, inv) });
    }

    /// <summary>The sum over the plan's axes divided by <paramref name="divisor"/> (1 for Sum, R for Mean: 0/0 = NaN when empty).</summary>
    private static Tensor ReduceSumDivided(Tensor x, ReducePlan plan, int divisor)
    {
        var y = Tensor.Empty(x.DType, plan.OutShape);
        using var xl = plan.Layout(x);
        if (x.DType == DType.F32) ReduceSumDivKernel<float>(xl.Data<float>(), xl.Offset, plan, divisor, y.Data<float>());
        else ReduceSumDivKernel<double>(xl.Data<double>(), xl.Offset, plan, divisor, y.Data<double>());
        return y;
    }

    private static void ReduceSumDivKernel<T>(T[] src, int off, ReducePlan p, int divisor, T[] dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReduceKernels.SumLayout(src, off, p.Outer, p.R, p.Inner, dst);
        var d = dst.AsSpan(0, p.Outer * p.Inner);
        if (divisor != 1) TensorPrimitives.Divide(d, T.CreateChecked(divisor), d);
    }

    /// <summary>
    /// Variance over <paramref name="axes"/> (null = all) with torch semantics: Σ(x - mean)² / max(0, N - correction);
    /// correction = 1 is the unbiased estimate, 0 the biased one. Two-pass (mean first), pairwise sums.
    /// </summary>
    public static Tensor Var(Tensor x, int[]? axes = null, bool keepDim = false, int correction = 1)
    {
        ReduceKernels.RequireFloat(x, "Var");
        if (correction < 0) throw new ArgumentOutOfRangeException(nameof(correction), $"Var: correction must be >= 0 (1 = unbiased, 0 = biased); got {correction}.");
        var plan = ReducePlan.Make(x.Shape, axes, keepDim, "Var");
        return x.DType == DType.F32 ? VarImpl<float>(x, plan, correction) : VarImpl<double>(x, plan, correction);
    }

    private static Tensor VarImpl<T>(Tensor x, ReducePlan p, int correction) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int O = p.Outer, R = p.R, I = p.Inner;
        var mean = new T[O * I];                    // [outer, inner]
        var dof = T.CreateChecked(Math.Max(0, R - correction));
        var y = Tensor.Empty(x.DType, p.OutShape);
        using (var xl = p.Layout(x))
        using (var dev = Tensor.Empty(x.DType, O * R * I))
        {
            var xs = xl.Data<T>(); int off = xl.Offset; var ds = dev.Data<T>();
            ReduceKernels.SumLayout(xs, off, O, R, I, mean);
            TensorPrimitives.Divide(mean, T.CreateChecked(R), mean);
            ReduceKernels.ForBlocks(O, R, I, (o, i0, len) =>
            {
                if (I == 1)
                {
                    var d = ds.AsSpan(o * R, R);
                    TensorPrimitives.Subtract(xs.AsSpan(off + o * R, R), mean[o], d);
                    TensorPrimitives.Multiply(d, d, d);
                    return;
                }
                var m = mean.AsSpan(o * I + i0, len);
                for (int r = 0; r < R; r++)
                {
                    int b = (o * R + r) * I + i0;
                    var d = ds.AsSpan(b, len);
                    TensorPrimitives.Subtract(xs.AsSpan(off + b, len), m, d);
                    TensorPrimitives.Multiply(d, d, d);
                }
            });
            var ys = y.Data<T>();
            ReduceKernels.SumLayout(ds, 0, O, R, I, ys);
            TensorPrimitives.Divide(ys.AsSpan(0, O * I), dof, ys.AsSpan(0, O * I));
        }
        return Tensor.Record(y, "var", new[] { x }, g =>
        {
            // d var / dx = 2 (x - mean) / dof, times the incoming gradient of that output element.
            T c = T.CreateChecked(2) / dof;
            using var gc = Contiguous(g);
            using var xl = p.Layout(x);
            var gs = gc.Data<T>(); int goff = gc.Offset;
            var xs = xl.Data<T>(); int off = xl.Offset;
            using var gl = Tensor.Empty(x.DType, O * R * I);
            var gd = gl.Data<T>();
            ReduceKernels.ForBlocks(O, R, I, (o, i0, len) =>
            {
                if (I == 1)
                {
                    var d = gd.AsSpan(o * R, R);
                    TensorPrimitives.Subtract(xs.AsSpan(off + o * R, R), mean[o], d);
                    TensorPrimitives.Multiply(d, gs[goff + o] * c, d);
                    return;
                }
                var m = mean.AsSpan(o * I + i0, len);
                var gg = gs.AsSpan(goff + o * I + i0, len);
                for (int r = 0; r < R; r++)
                {
                    int b = (o * R + r) * I + i0;
                    var d = gd.AsSpan(b, len);
                    TensorPrimitives.Subtract(xs.AsSpan(off + b, len), m, d);
                    TensorPrimitives.Multiply(d, gg, d);
                    TensorPrimitives.Multiply(d, c, d);
                }
            });
            return new[] { p.FromLayout(gl) };
        });
    }

    /// <summary>
    /// Maximum over <paramref name="axes"/> (null = all). NaN propagates. The gradient is split evenly among
    /// all elements equal to the maximum (torch.amax semantics). Reducing an empty axis is an error.
    /// </summary>
    public static Tensor AMax(Tensor x, int[]? axes = null, bool keepDim = false)
    {
        ReduceKernels.RequireFloat(x, "AMax");
        var plan = ReducePlan.Make(x.Shape, axes, keepDim, "AMax");
        if (plan.R == 0) throw new ArgumentException($"AMax over an empty axis of shape [{ShapeUtil.Str(x.Shape)}] has no maximum; reduce over non-empty axes.");
        return x.DType == DType.F32 ? AMaxImpl<float>(x, plan) : AMaxImpl<double>(x, plan);
    }

    private static Tensor AMaxImpl<T>(Tensor x, ReducePlan p) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int O = p.Outer, R = p.R, I = p.Inner;
        var y = Tensor.Empty(x.DType, p.OutShape);
        using (var xl = p.Layout(x)) ReduceKernels.MaxLayout(xl.Data<T>(), xl.Offset, O, R, I, y.Data<T>());
        return Tensor.Record(y, "amax", new[] { x }, g =>
        {
            using var gc = Contiguous(g);
            using var xl = p.Layout(x);
            var gs = gc.Data<T>(); int goff = gc.Offset;
            var xs = xl.Data<T>(); int off = xl.Offset;
            var ys = y.Data<T>();
            using var gl = Tensor.Empty(x.DType, O * R * I);
            var gd = gl.Data<T>();
            ReduceKernels.ForBlocks(O, R, I, (o, i0, len) =>
            {
                for (int i = i0; i < i0 + len; i++)
                {
                    T m = ys[o * I + i];
                    int count = 0;
                    for (int r = 0; r < R; r++) if (xs[off + (o * R + r) * I + i] == m) count++;
                    T share = count == 0 ? T.Zero : gs[goff + o * I + i] / T.CreateChecked(count);
                    for (int r = 0; r < R; r++)
                    {
                        int b = (o * R + r) * I + i;
                        gd[b] = xs[off + b] == m ? share : T.Zero;
                    }
                }
            });
            return new[] { p.FromLayout(gl) };
        }, y);
    }

    /// <summary>
    /// Maximum along one axis and its index (I64). On ties the first index wins; a NaN counts as the maximum
    /// (its first occurrence). The gradient flows only to the chosen index.
    /// </summary>
    public static (Tensor values, Tensor indices) Max(Tensor x, int axis, bool keepDim = false)
    {
        ReduceKernels.RequireFloat(x, "Max");
        var plan = ReducePlan.Make(x.Shape, new[] { axis }, keepDim, "Max");
        if (plan.R == 0) throw new ArgumentException($"Max along axis {axis} of shape [{ShapeUtil.Str(x.Shape)}]: that axis is empty, so there is no maximum.");
        return x.DType == DType.F32 ? MaxAlongAxisImpl<float>(x, plan) : MaxAlongAxisImpl<double>(x, plan);
    }

    private static (Tensor, Tensor) MaxAlongAxisImpl<T>(Tensor x, ReducePlan p) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int O = p.Outer, R = p.R, I = p.Inner;
        var y = Tensor.Empty(x.DType, p.OutShape);
        var idx = Tensor.Empty(DType.I64, p.OutShape);
        var ys = y.Data<T>(); var ids = idx.Data<long>();
        using (var xl = p.Layout(x))
        {
            var xs = xl.Data<T>(); int off = xl.Offset;
            ReduceKernels.ForBlocks(O, R, I, (o, i0, len) =>
            {
                if (I == 1)
                {
                    var row = xs.AsSpan(off + o * R, R);
                    int j = TensorPrimitives.IndexOfMax<T>(row);
                    ys[o] = row[j]; ids[o] = j;
                    return;
                }
                for (int i = i0; i < i0 + len; i++)
                {
                    int b = off + o * R * I + i, best = 0;
                    T bv = xs[b];
                    for (int r = 1; r < R; r++)
                    {
                        T v = xs[b + r * I];
                        if (v > bv || (T.IsNaN(v) && !T.IsNaN(bv))) { bv = v; best = r; }
                    }
                    ys[o * I + i] = bv; ids[o * I + i] = best;
                }
            });
        }
        var yr = Tensor.Record(y, "max", new[] { x }, g =>
        {
            using var gc = Contiguous(g);
            var gs = gc.Data<T>(); int goff = gc.Offset;
            var ix = idx.Data<long>();
            using var gl = Tensor.Zeros(x.DType, O * R * I);
            var gd = gl.Data<T>();
            for (int o = 0; o < O; o++)
                for (int i = 0; i < I; i++)
                    gd[(o * R + (int)ix[o * I + i]) * I + i] = gs[goff + o * I + i];
            return new[] { p.FromLayout(gl) };
        }, idx);
        return (yr, idx);
    }
}
