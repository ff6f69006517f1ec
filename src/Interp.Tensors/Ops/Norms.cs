// LayerNorm (biased variance, as torch) and RmsNorm (Llama) fused over the last axis, each with a fused,
// hand-derived backward for x, weight and bias. Rows are independent and split over the cores.
// Not here: GroupNorm / BatchNorm (no model we load uses them).
using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Interp.Tensors;

public static partial class TensorOps
{
    /// <summary>
    /// y = (x - mean) / sqrt(var + eps) · weight + bias over the last axis, var biased (÷ d), as torch.nn.LayerNorm.
    /// </summary>
    public static Tensor LayerNorm(Tensor x /* [..., d] */, Tensor? weight /* [d] */, Tensor? bias /* [d] */, double eps = 1e-5)
    {
        CheckNormArgs("LayerNorm", x, weight, bias);
        return x.DType == DType.F32 ? NormImpl<float>(x, weight, bias, eps, rms: false) : NormImpl<double>(x, weight, bias, eps, rms: false);
    }

    /// <summary>y = x / sqrt(mean(x²) + eps) · weight over the last axis (Llama's RMSNorm).</summary>
    public static Tensor RmsNorm(Tensor x /* [..., d] */, Tensor? weight /* [d] */, double eps = 1e-6)
    {
        CheckNormArgs("RmsNorm", x, weight, null);
        return x.DType == DType.F32 ? NormImpl<float>(x, weight, null, eps, rms: true) : NormImpl<double>(x, weight, null, eps, rms: true);
    }

    private static void CheckNormArgs(string op, Tensor x, Tensor? w, Tensor? b)
    {
        ReduceKernels.RequireFloat(x, op);
        if (x.Rank == 0) throw new ArgumentException($"{op} normalises the last axis; got a rank-0 tensor. Reshape it to [1, d] first.");
        int d = x.Shape[^1];
        foreach (var (t, name) in new[] { (w, "weight"), (b, "bias") })
        {
            if (t is null) continue;
            if (t.Rank != 1 || t.Shape[0] != d)
                throw new ArgumentException($"{op}: {name} must have shape [{d}] (the last axis of x [{ShapeUtil.Str(x.Shape)}]); got [{ShapeUtil.Str(t.Shape)}].");
            if (t.DType != x.DType) throw new ArgumentException($"{op}: {name} is {t.DType} but x is {x.DType}; convert one of them.");
        }
    }

    private static Tensor NormImpl<T>(Tensor x, Tensor? weight, Tensor? bias, double eps, bool rms) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int d = x.Shape[^1];
        int rows = d == 0 ? 0 : x.Numel / d;
        T e = T.CreateChecked(eps), invD = T.One / T.CreateChecked(d);
        var mean = new T[rows];   // [rows] (zeros for RmsNorm)
        var rstd = new T[rows];   // [rows] 1 / sqrt(var + eps)
        var y = Tensor.Empty(x.DType, x.Shape);
        var ys = y.Data<T>();
        var xc = ReduceKernels.Dense(x);
        var wc = weight is null ? null : ReduceKernels.Dense(weight);
        var bc = bias is null ? null : ReduceKernels.Dense(bias);
        {
            var xs = xc.Data<T>(); int xo = xc.Offset;
            var ws = wc?.Data<T>(); int wo = wc?.Offset ?? 0;
            var bs = bc?.Data<T>(); int bo = bc?.Offset ?? 0;
            Par.For(rows, 4L * d, (s, end) =>
            {
                for (int r = s; r < end; r++)
                {
                    var xr = xs.AsSpan(xo + r * d, d);
                    var yr = ys.AsSpan(r * d, d);
                    T mu = T.Zero;
                    if (rms) xr.CopyTo(yr);
                    else { mu = ReduceKernels.PSum<T>(xr) * invD; TensorPrimitives.Subtract(xr, mu, yr); }
                    T v = TensorPrimitives.SumOfSquares<T>(yr) * invD;
                    T rs = T.One / T.Sqrt(v + e);
                    mean[r] = mu; rstd[r] = rs;
                    TensorPrimitives.Multiply(yr, rs, yr);                     // x̂
                    if (ws is not null && bs is not null) TensorPrimitives.FusedMultiplyAdd(yr, ws.AsSpan(wo, d), bs.AsSpan(bo, d), yr);
                    else if (ws is not null) TensorPrimitives.Multiply(yr, ws.AsSpan(wo, d), yr);
                    else if (bs is not null) TensorPrimitives.Add(yr, bs.AsSpan(bo, d), yr);
                }
            });
        }
        var inputs = new List<Tensor> { x };
        if (weight is not null) inputs.Add(weight);
        if (bias is not null) inputs.Add(bias);
        var saved = new List<Tensor> { xc };
        if (wc is not null) saved.Add(wc);
        var outT = Tensor.Record(y, rms ? "rms_norm" : "layer_norm", inputs.ToArray(),
            g => NormBackward<T>(g, x, weight, bias, xc, wc, mean, rstd, rows, d, rms), saved.ToArray());
        xc.Dispose(); wc?.Dispose(); bc?.Dispose();   // the node (if any) retains what backward reads
        return outT;
    }

    // x̂ = (x - μ)·rstd, ĝ = g ⊙ w. LayerNorm: gx = rstd (ĝ - mean(ĝ) - x̂ mean(ĝ ⊙ x̂)); RmsNorm drops mean(ĝ).
    // gw = Σ_rows g ⊙ x̂, gb = Σ_rows g (pairwise column sums).
    private static Tensor?[] NormBackward<T>(Tensor g, Tensor x, Tensor? weight, Tensor? bias, Tensor xc, Tensor? wc,
        T[] mean, T[] rstd, int rows, int d, bool rms) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var gc = Contiguous(g);
        var gs = gc.Data<T>(); int go = gc.Offset;
        var xs = xc.Data<T>(); int xo = xc.Offset;
        var ws = wc?.Data<T>(); int wo = wc?.Offset ?? 0;
        T invD = T.One / T.CreateChecked(d);
        bool needW = weight is not null && weight.RequiresGrad;
        Tensor? gx = x.RequiresGrad ? Tensor.Empty(x.DType, x.Shape) : null;
        using var gxhat = needW ? Tensor.Empty(x.DType, x.Shape) : null;   // g ⊙ x̂, summed over rows for gw
        var gxs = gx?.Data<T>(); var ghs = gxhat?.Data<T>();
        Par.For(rows, 6L * d, (s, end) =>
        {
            T[] buf = ArrayPool<T>.Shared.Rent(2 * d);
            try
            {
                var xhat = buf.AsSpan(0, d); var gh = buf.AsSpan(d, d);
                for (int r = s; r < end; r++)
                {
                    var xr = xs.AsSpan(xo + r * d, d); var gr = gs.AsSpan(go + r * d, d);
                    TensorPrimitives.Subtract(xr, mean[r], xhat);
                    TensorPrimitives.Multiply(xhat, rstd[r], xhat);
                    if (ghs is not null) TensorPrimitives.Multiply(gr, xhat, ghs.AsSpan(r * d, d));
                    if (gxs is null) continue;
                    if (ws is not null) TensorPrimitives.Multiply(gr, ws.AsSpan(wo, d), gh); else gr.CopyTo(gh);
                    T b = TensorPrimitives.Dot<T>(gh, xhat) * invD;
                    var dst = gxs.AsSpan(r * d, d);
                    TensorPrimitives.Multiply(xhat, -b, dst);
                    TensorPrimitives.Add(dst, gh, dst);                          // ĝ - x̂·b
                    if (!rms) TensorPrimitives.Subtract(dst, ReduceKernels.PSum<T>(gh) * invD, dst);
                    TensorPrimitives.Multiply(dst, rstd[r], dst);
                }
            }
            finally { ArrayPool<T>.Shared.Return(buf); }
        });
        Tensor? gw = null, gb = null;
        if (needW)
        {
            gw = Tensor.Empty(x.DType, d);
            ReduceKernels.SumLayout(ghs!, 0, 1, rows, d, gw.Data<T>());
        }
        if (bias is not null && bias.RequiresGrad)
        {
            gb = Tensor.Empty(x.DType, d);
            ReduceKernels.SumLayout(gs, go, 1, rows, d, gb.Data<T>());
        }
        var result = new List<Tensor?> { gx };
        if (weight is not null) result.Add(gw);
        if (bias is not null) result.Add(gb);
        return result.ToArray();
    }
}
