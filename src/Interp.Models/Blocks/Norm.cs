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

        // (in the caller's TensorScope: the pieces below are freed with it)
        var centred = kind == NormKind.LayerNorm ? x - TensorOps.Mean(x, new[] { -1 }, keepDim: true) : x;   // RMSNorm does not centre
        var ms = TensorOps.Mean(centred * centred, new[] { -1 }, keepDim: true);
        var scale = run.At(scaleName, TensorOps.Sqrt(ms + eps));       // [batch, pos, 1]
        var y = run.At(normName, centred / scale);                     // [batch, pos, d_model]
        if (w is not null) y *= w;
        if (b is not null) y += b;
        return y;
    }
}
