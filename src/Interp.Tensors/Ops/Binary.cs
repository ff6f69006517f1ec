// Elementwise add / sub / mul / div with NumPy broadcasting (and scalar forms), plus SumTo, the
// reduction every broadcasting backward needs. Inner rows go through TensorPrimitives (SIMD).
using System.Numerics;
using System.Numerics.Tensors;

namespace Interp.Tensors;

public static partial class TensorOps
{
    internal enum BinOp { Add, Sub, Mul, Div }

    public static Tensor Add(Tensor a, Tensor b)
    {
        var y = Binary(a, b, BinOp.Add);
        var sa = a.Shape; var sb = b.Shape;
        return Tensor.Record(y, "add", new[] { a, b }, g => new[] { a.RequiresGrad ? SumTo(g, sa) : null, b.RequiresGrad ? SumTo(g, sb) : null });
    }

    public static Tensor Sub(Tensor a, Tensor b)
    {
        var y = Binary(a, b, BinOp.Sub);
        var sa = a.Shape; var sb = b.Shape;
        return Tensor.Record(y, "sub", new[] { a, b }, g => new[] { a.RequiresGrad ? SumTo(g, sa) : null, b.RequiresGrad ? NegOwned(SumTo(g, sb)) : null });
    }

    public static Tensor Mul(Tensor a, Tensor b)
    {
        var y = Binary(a, b, BinOp.Mul);
        var sa = a.Shape; var sb = b.Shape;
        return Tensor.Record(y, "mul", new[] { a, b }, g => new[]
        {
            a.RequiresGrad ? SumToOwned(Binary(g, b, BinOp.Mul), sa) : null,
            b.RequiresGrad ? SumToOwned(Binary(g, a, BinOp.Mul), sb) : null,
        }, a, b);
    }

    public static Tensor Div(Tensor a, Tensor b)
    {
        var y = Binary(a, b, BinOp.Div);
        var sa = a.Shape; var sb = b.Shape;
        return Tensor.Record(y, "div", new[] { a, b }, g =>
        {
            Tensor? ga = a.RequiresGrad ? SumToOwned(Binary(g, b, BinOp.Div), sa) : null;
            Tensor? gb = null;
            if (b.RequiresGrad)
            {
                // d(a/b)/db = -a / b^2 = -y / b
                using var yb = Binary(y, b, BinOp.Div);
                using var gyb = Binary(g, yb, BinOp.Mul);
                gb = NegOwned(SumTo(gyb, sb));
            }
            return new[] { ga, gb };
        }, a, b, y);
    }

    public static Tensor Add(Tensor a, double s) { using var t = ScalarLike(a, s); return AddScalarLike(a, t); }
    public static Tensor Sub(Tensor a, double s) => Add(a, -s);
    public static Tensor Mul(Tensor a, double s)
    {
        using var t = ScalarLike(a, s);
        var y = Binary(a, t, BinOp.Mul);
        return Tensor.Record(y, "mul_scalar", new[] { a }, g => new[] { Binary(g, t, BinOp.Mul) }, t);
    }
    public static Tensor Div(Tensor a, double s) => Mul(a, 1.0 / s);
    /// <summary>s - a</summary>
    public static Tensor RSub(double s, Tensor a) { using var n = Neg(a); return Add(n, s); }

    private static Tensor AddScalarLike(Tensor a, Tensor t)
    {
        var y = Binary(a, t, BinOp.Add);
        return Tensor.Record(y, "add_scalar", new[] { a }, g => new[] { g.Detach() });
    }

    public static Tensor Neg(Tensor a)
    {
        using var t = ScalarLike(a, -1.0);
        var y = Binary(a, t, BinOp.Mul);
        return Tensor.Record(y, "neg", new[] { a }, g => new[] { Neg(g) });
    }

    /// <summary>−t, disposing t (for intermediate gradients).</summary>
    private static Tensor NegOwned(Tensor t) { using (t) return Neg(t); }

    internal static Tensor ScalarLike(Tensor like, double s) => like.DType switch
    {
        DType.F64 => Tensor.ScalarOf(s),
        DType.F32 => Tensor.ScalarOf((float)s),
        _ => throw new ArgumentException($"arithmetic needs a float tensor; this one is {like.DType}."),
    };

    /// <summary>SumTo that consumes <paramref name="t"/>: returns it as is when no reduction is needed, else disposes it.</summary>
    internal static Tensor SumToOwned(Tensor t, int[] shape)
    {
        if (ShapeUtil.SameShape(t.Shape, shape)) return t;
        var r = SumTo(t, shape);
        t.Dispose();
        return r;
    }

    /// <summary>Sums <paramref name="g"/> down to <paramref name="shape"/> (the inverse of broadcasting).</summary>
    public static Tensor SumTo(Tensor g, int[] shape)
    {
        if (ShapeUtil.SameShape(g.Shape, shape)) return g.Detach();
        var o = Tensor.Zeros(g.DType, shape);
        // Accumulate g into o read through broadcast strides: o[bcast(i)] += g[i].
        var ostr = ShapeUtil.BroadcastStrides(shape, ShapeUtil.ContiguousStrides(shape), g.Shape);
        using var gc = ContiguousNoGrad(g);
        if (g.DType == DType.F32) SumToKernel(gc.Span<float>(), g.Shape, o.Data<float>(), ostr);
        else if (g.DType == DType.F64) SumToKernel(gc.Span<double>(), g.Shape, o.Data<double>(), ostr);
        else throw new ArgumentException($"SumTo needs a float tensor, got {g.DType}.");
        return o;
    }

    private static void SumToKernel<T>(ReadOnlySpan<T> g, int[] gshape, T[] o, int[] ostr) where T : unmanaged, INumber<T>
    {
        int r = gshape.Length;
        int inner = r == 0 ? 1 : gshape[r - 1];
        int istr = r == 0 ? 0 : ostr[r - 1];
        var offs = Strided.RowOffsets(gshape, ostr, 0);
        for (int row = 0; row < offs.Length; row++)
        {
            var gr = g.Slice(row * inner, inner);
            int oo = offs[row];
            if (istr == 1) TensorPrimitives.Add(o.AsSpan(oo, inner), gr, o.AsSpan(oo, inner));
            else if (istr == 0) o[oo] += TensorPrimitives.Sum(gr);
            else for (int j = 0; j < inner; j++) o[oo + j * istr] += gr[j];
        }
    }

    /// <summary>The broadcasting kernel (no graph recording).</summary>
    internal static Tensor Binary(Tensor a, Tensor b, BinOp op)
    {
        if (a.DType != b.DType) throw new ArgumentException($"{op}: dtypes differ ({a.DType} and {b.DType}); convert one with To().");
        var shape = ShapeUtil.Broadcast(a.Shape, b.Shape);
        var y = Tensor.Empty(a.DType, shape);
        switch (a.DType)
        {
            case DType.F32: BinaryKernel<float>(a, b, y, op); break;
            case DType.F64: BinaryKernel<double>(a, b, y, op); break;
            default: throw new ArgumentException($"{op} needs float tensors; got {a.DType}.");
        }
        return y;
    }

    private static void BinaryKernel<T>(Tensor a, Tensor b, Tensor y, BinOp op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var ya = y.Data<T>();
        var ad = a.Data<T>(); var bd = b.Data<T>();
        int n = y.Numel;
        if (n == 0) return;
        // Fast path: same shape, both contiguous.
        if (a.IsContiguous && b.IsContiguous && ShapeUtil.SameShape(a.Shape, b.Shape))
        {
            int ao = a.Offset, bo = b.Offset;
            Par.For(n, 1, (s, e) => Apply(op, ad.AsSpan(ao + s, e - s), bd.AsSpan(bo + s, e - s), ya.AsSpan(s, e - s)));
            return;
        }
        if (b.Numel == 1 && a.IsContiguous)
        {
            T bs = bd[b.Offset]; int ao = a.Offset;
            Par.For(n, 1, (s, e) => ApplyScalarRight(op, ad.AsSpan(ao + s, e - s), bs, ya.AsSpan(s, e - s)));
            return;
        }
        var shape = y.Shape;
        int r = shape.Length, inner = shape[r - 1];
        var sa = ShapeUtil.BroadcastStrides(a.Shape, a.Strides, shape);
        var sb = ShapeUtil.BroadcastStrides(b.Shape, b.Strides, shape);
        var ra = Strided.RowOffsets(shape, sa, a.Offset);
        var rb = Strided.RowOffsets(shape, sb, b.Offset);
        int ia = sa[r - 1], ib = sb[r - 1];
        Par.For(ra.Length, inner, (s, e) =>
        {
            T[]? tmpA = null, tmpB = null;
            for (int row = s; row < e; row++)
            {
                var dst = ya.AsSpan(row * inner, inner);
                if (ia == 1 && ib == 1) Apply(op, ad.AsSpan(ra[row], inner), bd.AsSpan(rb[row], inner), dst);
                else if (ia == 1 && ib == 0) ApplyScalarRight(op, ad.AsSpan(ra[row], inner), bd[rb[row]], dst);
                else if (ia == 0 && ib == 1) ApplyScalarLeft(op, ad[ra[row]], bd.AsSpan(rb[row], inner), dst);
                else
                {
                    tmpA ??= new T[inner]; tmpB ??= new T[inner];
                    for (int j = 0; j < inner; j++) { tmpA[j] = ad[ra[row] + j * ia]; tmpB[j] = bd[rb[row] + j * ib]; }
                    Apply(op, tmpA, tmpB, dst);
                }
            }
        });
    }

    private static void Apply<T>(BinOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> z, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinOp.Add: TensorPrimitives.Add(x, z, d); break;
            case BinOp.Sub: TensorPrimitives.Subtract(x, z, d); break;
            case BinOp.Mul: TensorPrimitives.Multiply(x, z, d); break;
            case BinOp.Div: TensorPrimitives.Divide(x, z, d); break;
        }
    }

    private static void ApplyScalarRight<T>(BinOp op, ReadOnlySpan<T> x, T z, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinOp.Add: TensorPrimitives.Add(x, z, d); break;
            case BinOp.Sub: TensorPrimitives.Subtract(x, z, d); break;
            case BinOp.Mul: TensorPrimitives.Multiply(x, z, d); break;
            case BinOp.Div: TensorPrimitives.Divide(x, z, d); break;
        }
    }

    private static void ApplyScalarLeft<T>(BinOp op, T x, ReadOnlySpan<T> z, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinOp.Add: TensorPrimitives.Add(z, x, d); break;
            case BinOp.Sub: TensorPrimitives.Subtract(x, z, d); break;
            case BinOp.Mul: TensorPrimitives.Multiply(z, x, d); break;
            case BinOp.Div: TensorPrimitives.Divide(x, z, d); break;
        }
    }
}
