// Integer dot products for the int8 pre-scan: a query widened to int16 against one int8 row, accumulated exactly in int32
// (AVX-512BW: 32 lanes per step, AVX2: 16, else scalar). Both spans have the same length, a multiple of 64 (rows are
// zero-padded to VectorMatrix.Stride), so no tail handling is needed.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Interp.Index.Embedded;

internal static class Int8Dot
{
    /// <summary>Σ q[i]·x[i] exactly (|q|,|x| ≤ 127 and ≤ 2^16 lanes, so int32 cannot overflow).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Dot(ReadOnlySpan<short> q, ReadOnlySpan<sbyte> x)
    {
        ref short qr = ref MemoryMarshal.GetReference(q);
        ref sbyte xr = ref MemoryMarshal.GetReference(x);
        int n = x.Length;
        if (Avx512BW.IsSupported)
        {
            var acc0 = Vector512<int>.Zero;
            var acc1 = Vector512<int>.Zero;
            int i = 0;
            for (; i + 64 <= n; i += 64)
            {
                var x0 = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref xr, (nuint)i));
                var x1 = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref xr, (nuint)(i + 32)));
                acc0 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref qr, (nuint)i), x0);
                acc1 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref qr, (nuint)(i + 32)), x1);
            }
            for (; i + 32 <= n; i += 32)
                acc0 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref qr, (nuint)i),
                    Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref xr, (nuint)i)));
            return Vector512.Sum(acc0 + acc1) + Scalar(q[i..], x[i..]);
        }
        if (Avx2.IsSupported)
        {
            var acc = Vector256<int>.Zero;
            int i = 0;
            for (; i + 16 <= n; i += 16)
                acc += Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref qr, (nuint)i),
                    Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref xr, (nuint)i)));
            return Vector256.Sum(acc) + Scalar(q[i..], x[i..]);
        }
        return Scalar(q, x);
    }

    public static int Scalar(ReadOnlySpan<short> q, ReadOnlySpan<sbyte> x)
    {
        int s = 0;
        for (int i = 0; i < x.Length; i++) s += q[i] * x[i];
        return s;
    }
}
