// Fused attention softmax: softmax(scale · x) over the last axis with the causal (future) keys masked,
// in one pass, for when nobody needs the scaled, masked scores themselves. Equals
// Softmax(MaskedFill(x·scale, CausalMask(q, k), -inf)) up to float rounding; backward beside it.
using System.Numerics;
using System.Numerics.Tensors;

namespace Interp.Tensors;

public static partial class TensorOps
{
    /// <param name="x">[..., queries, keys] raw attention scores (queries are the last positions of the keys)</param>
    /// <param name="scale">multiplier applied before the softmax, e.g. 1/√d_head</param>
    /// <returns>pattern [..., queries, keys]; masked entries exactly 0</returns>
    public static Tensor CausalSoftmax(Tensor x, double scale)
    {
        if (x.Rank < 2) throw new ArgumentException($"CausalSoftmax needs [..., queries, keys]; got [{ShapeUtil.Str(x.Shape)}].");
        int q = x.Shape[^2], k = x.Shape[^1];
        if (k < q) throw new ArgumentException($"CausalSoftmax: {k} keys cannot cover {q} queries (queries are the last key positions).");
        return x.DType switch
        {
            DType.F32 => CausalSoftmaxImpl<float>(x, scale, q, k),
            DType.F64 => CausalSoftmaxImpl<double>(x, scale, q, k),
            _ => throw new ArgumentException($"CausalSoftmax needs a float tensor; got {x.DType}."),
        };
    }

    private static Tensor CausalSoftmaxImpl<T>(Tensor x, double scale, int q, int k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var xc = ContiguousNoGrad(x);
        var y = Tensor.Empty(x.DType, x.Shape);
        var xs = xc.Data<T>(); int off = xc.Offset;
        var ys = y.Data<T>();
        int rows = x.Numel / Math.Max(k, 1);
        T s = T.CreateChecked(scale);
        Par.For(rows, k * 4, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                int valid = r % q + (k - q) + 1;
                var dst = ys.AsSpan(r * k, k);
                TensorPrimitives.Multiply(xs.AsSpan(off + r * k, valid), s, dst[..valid]);
                SoftmaxRow<T>(dst[..valid], dst[..valid], false);
                dst[valid..].Clear();
            }
        });
        return Tensor.Record(y, "causal_softmax", new[] { x }, g =>
        {
            using var gc = Contiguous(g);
            var gs = gc.Data<T>(); int goff = gc.Offset;
            var gx = Tensor.Empty(x.DType, x.Shape);
            var gd = gx.Data<T>();
            Par.For(rows, k * 3, (r0, r1) =>
            {
                for (int r = r0; r < r1; r++)
                {
                    int valid = r % q + (k - q) + 1;
                    var dst = gd.AsSpan(r * k, k);
                    SoftmaxRowBackward<T>(gs.AsSpan(goff + r * k, valid), ys.AsSpan(r * k, valid), dst[..valid], false);
                    TensorPrimitives.Multiply(dst[..valid], s, dst[..valid]);
                    dst[valid..].Clear();
                }
            });
            return new[] { gx };
        }, y);
    }
}
