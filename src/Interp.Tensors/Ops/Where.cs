// Selection by a condition tensor: Where(cond, a, b) and MaskedFill(x, mask, value), with NumPy broadcasting
// and their backward beside them, plus CausalMask, the I32 mask of future positions used by attention.
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Interp.Tensors;

public static partial class TensorOps
{
    /// <summary>cond ? a : b elementwise, all three broadcast together. cond may be F32/F64/I32/I64 (nonzero,
    /// including NaN, counts as true); a and b share one dtype (any of the four). Backward: g flows to a where
    /// cond is true and to b elsewhere, summed over broadcast axes; cond gets none.</summary>
    public static Tensor Where(Tensor cond, Tensor a, Tensor b)
    {
        if (a.DType != b.DType)
            throw new ArgumentException($"Where: a is {a.DType} but b is {b.DType}; convert one with To() so both match.");
        int[] shape;
        try { shape = ShapeUtil.Broadcast(ShapeUtil.Broadcast(cond.Shape, a.Shape), b.Shape); }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Where: cond [{ShapeUtil.Str(cond.Shape)}], a [{ShapeUtil.Str(a.Shape)}] and b [{ShapeUtil.Str(b.Shape)}] " +
                $"cannot be broadcast to one shape ({e.Message}). Unsqueeze or reshape them so trailing axes match or are 1.", e);
        }
        var y = SelectNoGrad(cond, a, b, shape);
        if (!DTypeInfo.IsFloat(a.DType)) return y;
        var sa = a.Shape; var sb = b.Shape;
        return Tensor.Record(y, "where", new[] { cond, a, b }, g =>
        {
            using var zero = ScalarLike(g, 0.0);
            Tensor? ga = null, gb = null;
            if (a.RequiresGrad) { using var t = SelectNoGrad(cond, g, zero, g.Shape); ga = SumTo(t, sa); }
            if (b.RequiresGrad) { using var t = SelectNoGrad(cond, zero, g, g.Shape); gb = SumTo(t, sb); }
            return new[] { null, ga, gb };
        });
    }

    /// <summary>x with <paramref name="value"/> written where mask is nonzero; mask (F32/F64/I32/I64) must broadcast
    /// to x's shape. Typical use: MaskedFill(scores, CausalMask(q, k), double.NegativeInfinity). Backward: g where
    /// the mask is zero, 0 at filled positions.</summary>
    public static Tensor MaskedFill(Tensor x, Tensor mask, double value)
    {
        if (!BroadcastsTo(mask.Shape, x.Shape))
            throw new ArgumentException($"MaskedFill: mask [{ShapeUtil.Str(mask.Shape)}] must broadcast to x's shape [{ShapeUtil.Str(x.Shape)}] " +
                "(trailing axes equal or 1, no more axes than x).");
        using var fill = ScalarOfDType(x.DType, value, "MaskedFill");
        var y = SelectNoGrad(mask, fill, x, x.Shape);
        if (!DTypeInfo.IsFloat(x.DType)) return y;
        return Tensor.Record(y, "masked_fill", new[] { x, mask }, g =>
        {
            using var zero = ScalarLike(g, 0.0);
            return new[] { SelectNoGrad(mask, zero, g, g.Shape), null };
        });
    }

    /// <summary>The causal attention mask for <paramref name="queries"/> query positions that are the LAST
    /// queries of a sequence of <paramref name="keys"/> positions (keys >= queries; equal without a KV cache).
    /// Returns I32 [queries, keys] holding 1 where key k lies in query q's future, k > q + (keys - queries),
    /// and 0 where attending is allowed. Feed it to MaskedFill(scores, mask, -inf).</summary>
    public static Tensor CausalMask(int queries, int keys)
    {
        if (queries < 0 || keys < queries)
            throw new ArgumentException($"CausalMask needs 0 <= queries <= keys (the queries are the last positions of the key sequence); got queries {queries}, keys {keys}.");
        var m = Tensor.Empty(DType.I32, queries, keys);
        var d = m.Data<int>();
        int off = keys - queries;
        for (int q = 0; q < queries; q++)
        {
            var row = d.AsSpan(q * keys, keys);
            int allowed = Math.Min(keys, q + off + 1);
            row[..allowed].Clear();
            row[allowed..].Fill(1);
        }
        return m;
    }

    /// <summary>Whether <paramref name="from"/> broadcasts to exactly <paramref name="to"/>.</summary>
    private static bool BroadcastsTo(int[] from, int[] to)
    {
        if (from.Length > to.Length) return false;
        int off = to.Length - from.Length;
        for (int i = 0; i < from.Length; i++)
            if (from[i] != 1 && from[i] != to[i + off]) return false;
        return true;
    }

    /// <summary>A rank-0 tensor of <paramref name="dtype"/> holding value (integers must be exact and in range).</summary>
    private static Tensor ScalarOfDType(DType dtype, double value, string op) => dtype switch
    {
        DType.F32 => Tensor.ScalarOf((float)value),
        DType.F64 => Tensor.ScalarOf(value),
        DType.I32 when value == Math.Floor(value) && value >= int.MinValue && value <= int.MaxValue => Tensor.ScalarOf((int)value),
        DType.I64 when value == Math.Floor(value) && value >= -9.2233720368547758e18 && value < 9.2233720368547758e18 => Tensor.ScalarOf((long)value),
        DType.I32 or DType.I64 => throw new ArgumentException($"{op}: value {value} is not an integer that fits {dtype}; convert the tensor to a float dtype first."),
        _ => throw new ArgumentException($"{op}: unsupported dtype {dtype}."),
    };

    /// <summary>cond ? a : b into a new contiguous tensor of <paramref name="shape"/> (already checked to be the broadcast shape). Not recorded.</summary>
    private static Tensor SelectNoGrad(Tensor cond, Tensor a, Tensor b, int[] shape)
    {
        var y = Tensor.Empty(a.DType, shape);
        switch (a.DType)
        {
            case DType.F32: SelectByCond<float>(cond, a, b, y); break;
            case DType.F64: SelectByCond<double>(cond, a, b, y); break;
            case DType.I32: SelectByCond<int>(cond, a, b, y); break;
            case DType.I64: SelectByCond<long>(cond, a, b, y); break;
            default: y.Dispose(); throw new ArgumentException($"Where: unsupported value dtype {a.DType}.");
        }
        return y;
    }

    private static void SelectByCond<T>(Tensor c, Tensor a, Tensor b, Tensor y) where T : unmanaged
    {
        switch (c.DType)
        {
            case DType.F32: SelectKernel<float, T>(c, a, b, y); break;
            case DType.F64: SelectKernel<double, T>(c, a, b, y); break;
            case DType.I32: SelectKernel<int, T>(c, a, b, y); break;
            case DType.I64: SelectKernel<long, T>(c, a, b, y); break;
            default: throw new ArgumentException($"Where: the condition must be F32, F64, I32 or I64, not {c.DType}.");
        }
    }

    private static void SelectKernel<TC, T>(Tensor c, Tensor a, Tensor b, Tensor y) where TC : unmanaged, INumber<TC> where T : unmanaged
    {
        int n = y.Numel;
        if (n == 0) return;
        var shape = y.Shape; int r = shape.Length;
        int inner = r == 0 ? 1 : shape[r - 1];
        var sc = ShapeUtil.BroadcastStrides(c.Shape, c.Strides, shape);
        var sa = ShapeUtil.BroadcastStrides(a.Shape, a.Strides, shape);
        var sb = ShapeUtil.BroadcastStrides(b.Shape, b.Strides, shape);
        var rc = Strided.RowOffsets(shape, sc, c.Offset);
        var ra = Strided.RowOffsets(shape, sa, a.Offset);
        var rb = Strided.RowOffsets(shape, sb, b.Offset);
        int ic = r == 0 ? 1 : sc[r - 1], ia = r == 0 ? 1 : sa[r - 1], ib = r == 0 ? 1 : sb[r - 1];
        var cd = c.Data<TC>(); var ad = a.Data<T>(); var bd = b.Data<T>(); var yd = y.Data<T>();
        Par.For(rc.Length, inner, (s, e) =>
        {
            TC[]? cbuf = null; T[]? abuf = null, bbuf = null;
            for (int row = s; row < e; row++)
            {
                var dst = yd.AsSpan(row * inner, inner);
                if (ic == 0)
                {
                    // One condition for the whole row: copy the chosen operand's row.
                    if (cd[rc[row]] != TC.Zero) Row(ad, ra[row], ia, inner, ref abuf).CopyTo(dst);
                    else Row(bd, rb[row], ib, inner, ref bbuf).CopyTo(dst);
                    continue;
                }
                SelectRow(Row(cd, rc[row], ic, inner, ref cbuf), Row(ad, ra[row], ia, inner, ref abuf), Row(bd, rb[row], ib, inner, ref bbuf), dst);
            }
        });
    }

    /// <summary>A strided row as a span: the data itself when its stride is 1, else gathered (or broadcast) into buf.</summary>
    private static ReadOnlySpan<T> Row<T>(T[] data, int offset, int stride, int inner, ref T[]? buf)
    {
        if (stride == 1) return data.AsSpan(offset, inner);
        buf ??= new T[inner];
        if (stride == 0) buf.AsSpan().Fill(data[offset]);
        else for (int j = 0; j < inner; j++) buf[j] = data[offset + j * stride];
        return buf;
    }

    /// <summary>dst[j] = c[j] != 0 ? a[j] : b[j]; vectorised when the condition's element width matches the values'.</summary>
    private static void SelectRow<TC, T>(ReadOnlySpan<TC> c, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dst) where TC : unmanaged, INumber<TC> where T : unmanaged
    {
        int j = 0, n = dst.Length;
        if (Vector.IsHardwareAccelerated && Unsafe.SizeOf<TC>() == Unsafe.SizeOf<T>())
        {
            int w = Vector<T>.Count;
            for (; j <= n - w; j += w)
            {
                var isZero = Vector.As<TC, T>(Vector.Equals(new Vector<TC>(c[j..]), Vector<TC>.Zero));
                Vector.ConditionalSelect(isZero, new Vector<T>(b[j..]), new Vector<T>(a[j..])).CopyTo(dst[j..]);
            }
        }
        for (; j < n; j++) dst[j] = c[j] != TC.Zero ? a[j] : b[j];
    }
}
