// Finds NaN and ±Inf in a tensor's data (F32/F64): where weights enter, a non-finite value is an error naming the tensor
// and the position, not a NaN prediction later. Vectorised: x - x is 0 for finite x and NaN otherwise.
using System.Numerics;

namespace Interp.Tensors;

public static class NonFinite
{
    /// <summary>Index (row-major, over the logical elements) of the first NaN or infinity, or -1 when all are finite.</summary>
    public static long First(Tensor t)
    {
        if (t.DType is not (DType.F32 or DType.F64)) return -1;
        if (!t.IsContiguous)
        {
            using var _ = GradMode.NoGrad();
            using var c = TensorOps.Contiguous(t);
            return First(c);
        }
        return t.DType == DType.F32 ? First<float>(t.Span<float>()) : First<double>(t.Span<double>());
    }

    public static long First<T>(ReadOnlySpan<T> s) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && s.Length >= Vector<T>.Count)
        {
            var v = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(s);
            for (int k = 0; k < v.Length; k++)
                if (!Vector.EqualsAll(v[k] - v[k], Vector<T>.Zero)) { i = k * Vector<T>.Count; goto scalar; }
            i = v.Length * Vector<T>.Count;
        }
    scalar:
        for (; i < s.Length; i++) if (!T.IsFinite(s[i])) return i;
        return -1;
    }

    /// <summary>"NaN", "+Inf" or "-Inf" for a non-finite value.</summary>
    public static string Name(double v) => double.IsNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
}
