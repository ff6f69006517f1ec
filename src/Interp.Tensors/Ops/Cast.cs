// Dtype conversion between the compute and index types F32, F64, I32, I64 (F16/BF16 are storage-only and
// widened on load elsewhere). Float -> float conversions pass gradients back, converted to the input dtype.
using System.Numerics;
using System.Numerics.Tensors;

namespace Interp.Tensors;

public static partial class TensorOps
{
    /// <summary>x converted to <paramref name="dtype"/>, as a new contiguous tensor (a view when the dtype already matches).
    /// Float -> integer truncates toward zero and fails on NaN, ±inf or values outside the target range;
    /// I64 -> I32 fails on out-of-range values; F64 -> F32 rounds to nearest (overflow gives ±inf).
    /// Gradients flow through F32 &lt;-&gt; F64 only (integer tensors carry none).</summary>
    public static Tensor To(Tensor x, DType dtype)
    {
        if (dtype is not (DType.F32 or DType.F64 or DType.I32 or DType.I64))
            throw new ArgumentException($"To: cannot convert to {dtype}; tensors compute in F32, F64, I32 or I64 ({dtype} is a storage-only format widened on load).", nameof(dtype));
        var src = x.DType;
        Tensor y;
        if (src == dtype) y = x.ViewOf(x.Shape, x.Strides, x.Offset);
        else
        {
            using var xc = ContiguousNoGrad(x);
            y = Tensor.Empty(dtype, x.Shape);
            try
            {
                switch (src)
                {
                    case DType.F32: ConvertFrom<float>(xc, y); break;
                    case DType.F64: ConvertFrom<double>(xc, y); break;
                    case DType.I32: ConvertFrom<int>(xc, y); break;
                    case DType.I64: ConvertFrom<long>(xc, y); break;
                    default: throw new ArgumentException($"To: cannot convert from {src}.");
                }
            }
            catch { y.Dispose(); throw; }
        }
        if (!DTypeInfo.IsFloat(src) || !DTypeInfo.IsFloat(dtype)) return y;
        return Tensor.Record(y, "to", new[] { x }, g => new[] { g.DType == src ? g.Detach() : To(g, src) });
    }

    private static void ConvertFrom<TFrom>(Tensor xc, Tensor y) where TFrom : unmanaged, INumber<TFrom>
    {
        switch (y.DType)
        {
            case DType.F32: Convert<TFrom, float>(xc, y); break;
            case DType.F64: Convert<TFrom, double>(xc, y); break;
            case DType.I32: Convert<TFrom, int>(xc, y); break;
            case DType.I64: Convert<TFrom, long>(xc, y); break;
        }
    }

    private static void Convert<TFrom, TTo>(Tensor xc, Tensor y) where TFrom : unmanaged, INumber<TFrom> where TTo : unmanaged, INumber<TTo>
    {
        var src = xc.Data<TFrom>().AsSpan(xc.Offset, xc.Numel);
        if (src.IsEmpty) return;
        if (IsIntegerType<TTo>()) CheckFitsInteger<TFrom, TTo>(src, y.DType);
        var sd = xc.Data<TFrom>(); int so = xc.Offset; var yd = y.Data<TTo>();
        // In range, ConvertTruncating is an ordinary cast: floats round to nearest, float -> int truncates toward zero.
        Par.For(y.Numel, 1, (s, e) => TensorPrimitives.ConvertTruncating<TFrom, TTo>(sd.AsSpan(so + s, e - s), yd.AsSpan(s, e - s)));
    }

    private static bool IsIntegerType<T>() => typeof(T) == typeof(int) || typeof(T) == typeof(long);

    /// <summary>Throws unless every value is finite and its truncation lies in TTo's range.</summary>
    private static void CheckFitsInteger<TFrom, TTo>(ReadOnlySpan<TFrom> src, DType to) where TFrom : unmanaged, INumber<TFrom> where TTo : unmanaged, INumber<TTo>
    {
        // Max/Min propagate NaN, so one scan of each catches NaN as well as the extremes.
        TFrom lo = TensorPrimitives.Min(src), hi = TensorPrimitives.Max(src);
        if (TFrom.IsNaN(lo) || TFrom.IsNaN(hi))
            throw new ArgumentException($"To({to}): the tensor holds NaN, which has no integer value. Replace it first (e.g. with Where).");
        bool toInt = typeof(TTo) == typeof(int);
        // Truncation toward zero keeps v in range iff min - 1 < v < max + 1; compare in double, where the int bounds
        // are exact and -2^63 / 2^63 are too (long's own bounds are not representable, hence >= and < there).
        double dlo = double.CreateTruncating(lo), dhi = double.CreateTruncating(hi);
        bool ok = toInt ? dlo > -2147483649.0 && dhi < 2147483648.0
                        : dlo >= -9223372036854775808.0 && dhi < 9223372036854775808.0;
        if (!ok)
            throw new ArgumentException($"To({to}): values range over [{lo}, {hi}], outside what {to} can hold " +
                $"([{(toInt ? int.MinValue : long.MinValue)}, {(toInt ? int.MaxValue : long.MaxValue)}]); " +
                "clamp them first or keep a wider dtype.");
    }
}
