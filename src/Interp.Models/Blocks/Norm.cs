// LayerNorm / RMSNorm at a hook site. Fused op when nobody looks inside; when ln.hook_scale or
// ln.hook_normalized is cached or edited, the TransformerLens decomposition (scale, normalized) is used.
using Interp.Tensors;

namespace Interp.Models;

internal static class Norm
{
    /// <param name="x">[batch, pos, d_model]</param>
    /// <param name="w">[d_model] or null (folded)</param>
    /// <param name="b">[d_model] or null</param>
    public static Tensor Apply(Tensor x, Tensor? w, Tensor? b, NormKind kind, double eps, HookRun run, string scaleName, string normName)
    {
        if (!run.Wants(scaleName) && !run.Wants(normName))
            return kind == NormKind.LayerNorm ? TensorOps.LayerNorm(x, w, b, eps) : TensorOps.RmsNorm(x, w, eps);

        Tensor centred = x;  // RMSNorm does not centre
        bool ownCentred = kind == NormKind.LayerNorm;
        if (ownCentred)
        {
            using var mean = TensorOps.Mean(x, new[] { -1 }, keepDim: true);
            centred = x - mean;
        }
        using var sq = centred * centred;
        using var ms = TensorOps.Mean(sq, new[] { -1 }, keepDim: true);
        using var mse = ms + eps;
        var scale = run.At(scaleName, TensorOps.Sqrt(mse));           // [batch, pos, 1]
        var normalized = run.At(normName, centred / scale);            // [batch, pos, d_model]
        if (ownCentred) centred.Dispose();
        scale.Dispose();
        if (w is null && b is null) return normalized;
        Tensor y = w is null ? normalized : normalized * w;
        if (w is not null) normalized.Dispose();
        if (b is null) return y;
        var yb = y + b;
        y.Dispose();
        return yb;
    }
}
