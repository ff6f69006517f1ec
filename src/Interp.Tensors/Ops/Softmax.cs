// Softmax and LogSoftmax along one axis, stabilised by subtracting the maximum. A -inf input (a masked
// attention score) gets exactly 0 probability; a row that is all -inf gives NaN everywhere, as torch does.
// Hot path: contiguous last axis (attention patterns [batch, head, q, k]); other axes run column-wise, no copy.
using System.Numerics;
using System.Numerics.Tensors;

namespace Interp.Tensors;

public static partial class TensorOps
{
    /// <summary>exp(x - max) / Σ exp(x - max) along <paramref name="axis"/>. All -inf (or any NaN) along the axis → NaN.</summary>
    public static Tensor Softmax(Tensor x, int axis = -1) => SoftmaxOp(x, axis, log: false);

    /// <summary>x - max - log Σ exp(x - max) along <paramref name="axis"/>. -inf inputs stay -inf; an all -inf row → NaN.</summary>
    public static Tensor LogSoftmax(Tensor x, int axis = -1) => SoftmaxOp(x, axis, log: true);

    private static Tensor SoftmaxOp(Tensor x, int axis, bool log)
    {
        string op = log ? "LogSoftmax" : "Softmax";
        ReduceKernels.RequireFloat(x, op);
        if (x.Rank == 0) throw new ArgumentException($"{op} needs at least one axis; got a rank-0 tensor. Reshape it to [1] first.");
        var plan = ReducePlan.Make(x.Shape, new[] { axis }, keepDim: true, op);
        return x.DType == DType.F32 ? SoftmaxImpl<float>(x, plan, log) : SoftmaxImpl<double>(x, plan, log);
    }

    private static Tensor SoftmaxImpl<T>(Tensor x, ReducePlan p, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int O = p.Outer, R = p.R, I = p.Inner;
        var y = Tensor.Empty(x.DType, x.Shape);
        var ys = y.Data<T>();
        using (var xl = p.Layout(x))
        {
            var xs = xl.Data<T>(); int off = xl.Offset;
            if (R > 0)
                ReduceKernels.ForBlocks(O, R * 4, I, (o, i0, len) =>
                {
                    if (I == 1) SoftmaxRow(xs.AsSpan(off + o * R, R), ys.AsSpan(o * R, R), log);
                    else SoftmaxColumns(xs, off + o * R * I + i0, ys, o * R * I + i0, R, I, len, log);
                });
        }
        return Tensor.Record(y, log ? "log_softmax" : "softmax", new[] { x }, g =>
        {
            using var gc = Contiguous(g);
            var gs = gc.Data<T>(); int goff = gc.Offset;
            var yv = y.Data<T>();
            var gx = Tensor.Empty(x.DType, x.Shape);
            var gd = gx.Data<T>();
            if (R > 0)
                ReduceKernels.ForBlocks(O, R * 2, I, (o, i0, len) =>
                {
                    int b = o * R * I + i0;
                    if (I == 1) SoftmaxRowBackward(gs.AsSpan(goff + b, R), yv.AsSpan(b, R), gd.AsSpan(b, R), log);
                    else SoftmaxColumnsBackward(gs, goff + b, yv, b, gd, b, R, I, len, log);
                });
            return new[] { gx };
        }, y);
    }

    private static void SoftmaxRow<T>(ReadOnlySpan<T> x, Span<T> y, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T m = TensorPrimitives.Max(x);
        if (T.IsNegativeInfinity(m) || T.IsNaN(m)) { y.Fill(T.NaN); return; }   // torch: exp(-inf - -inf) = NaN
        TensorPrimitives.Subtract(x, m, y);
        if (!log)
        {
            TensorPrimitives.Exp(y, y);
            T s = ReduceKernels.PSum<T>(y);
            TensorPrimitives.Multiply(y, T.One / s, y);
            return;
        }
        // log: y = (x - m) - log Σ exp(x - m); the exponentials go through a scratch row.
        T[] scratch = System.Buffers.ArrayPool<T>.Shared.Rent(y.Length);
        try
        {
            var e = scratch.AsSpan(0, y.Length);
            TensorPrimitives.Exp(y, e);
            T lse = T.Log(ReduceKernels.PSum<T>(e));
            TensorPrimitives.Subtract(y, lse, y);
        }
        finally { System.Buffers.ArrayPool<T>.Shared.Return(scratch); }
    }

    // Softmax over the R axis of a [R, inner] block, for inner columns i0..i0+len (SIMD along inner).
    private static void SoftmaxColumns<T>(T[] xs, int xb, T[] ys, int yb, int R, int I, int len, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var m = new T[len]; var s = new T[len];
        xs.AsSpan(xb, len).CopyTo(m);
        for (int r = 1; r < R; r++) TensorPrimitives.Max(m, xs.AsSpan(xb + r * I, len), m);
        for (int r = 0; r < R; r++)
        {
            var yr = ys.AsSpan(yb + r * I, len);
            TensorPrimitives.Subtract(xs.AsSpan(xb + r * I, len), m, yr);
            TensorPrimitives.Exp(yr, yr);
            TensorPrimitives.Add(s, yr, s);
        }
        // An all -inf column has m = -inf: x - m = NaN flows through, giving NaN as torch does.
        if (!log)
        {
            TensorPrimitives.Reciprocal<T>(s, s);
            for (int r = 0; r < R; r++) TensorPrimitives.Multiply(ys.AsSpan(yb + r * I, len), s, ys.AsSpan(yb + r * I, len));
            return;
        }
        TensorPrimitives.Log<T>(s, s);
        TensorPrimitives.Add(s, m, s);   // log-sum-exp per column
        for (int r = 0; r < R; r++) TensorPrimitives.Subtract(xs.AsSpan(xb + r * I, len), s, ys.AsSpan(yb + r * I, len));
    }

    // softmax: gx = y ⊙ (g - Σ g⊙y);  log_softmax: gx = g - exp(y) · Σ g.
    private static void SoftmaxRowBackward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> y, Span<T> gx, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!log)
        {
            T dot = TensorPrimitives.Dot(g, y);
            TensorPrimitives.Subtract(g, dot, gx);
            TensorPrimitives.Multiply(gx, y, gx);
            return;
        }
        T s = ReduceKernels.PSum(g);
        TensorPrimitives.Exp(y, gx);
        TensorPrimitives.MultiplyAdd(gx, -s, g, gx);
    }

    private static void SoftmaxColumnsBackward<T>(T[] gs, int gb, T[] ys, int yb, T[] gd, int db, int R, int I, int len, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var acc = new T[len];
        for (int r = 0; r < R; r++)
        {
            var gr = gs.AsSpan(gb + r * I, len);
            if (log) TensorPrimitives.Add(acc, gr, acc);
            else TensorPrimitives.FusedMultiplyAdd(gr, ys.AsSpan(yb + r * I, len), acc, acc);
        }
        for (int r = 0; r < R; r++)
        {
            var gr = gs.AsSpan(gb + r * I, len); var yr = ys.AsSpan(yb + r * I, len); var d = gd.AsSpan(db + r * I, len);
            if (!log) { TensorPrimitives.Subtract(gr, acc, d); TensorPrimitives.Multiply(d, yr, d); }
            else
            {
                TensorPrimitives.Exp(yr, d);
                TensorPrimitives.Multiply(d, acc, d);
                TensorPrimitives.Subtract(gr, d, d);
            }
        }
    }
}
