// Conversions between float32 and the two 16-bit storage formats: bfloat16 (the high half of a float32)
// and IEEE float16 (via TensorPrimitives). Narrowing rounds to nearest, ties to even; NaN stays NaN.
// Storage-only helpers: the engine never computes in 16-bit.
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Interp.Tensors.IO;

public static class HalfConvert
{
    /// <summary>bfloat16 bit patterns -> float32 (exact: the 16 bits become the high half).</summary>
    public static void Bf16ToF32(ReadOnlySpan<ushort> src, Span<float> dst)
    {
        if (dst.Length < src.Length) throw new ArgumentException($"destination holds {dst.Length} elements, source has {src.Length}.");
        var bits = MemoryMarshal.Cast<float, uint>(dst);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= src.Length - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
            {
                var v = Vector512.Create(src.Slice(i, Vector512<ushort>.Count));
                var (lo, hi) = Vector512.Widen(v);
                (lo << 16).CopyTo(bits.Slice(i));
                (hi << 16).CopyTo(bits.Slice(i + Vector512<uint>.Count));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= src.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var v = Vector256.Create(src.Slice(i, Vector256<ushort>.Count));
                var (lo, hi) = Vector256.Widen(v);
                (lo << 16).CopyTo(bits.Slice(i));
                (hi << 16).CopyTo(bits.Slice(i + Vector256<uint>.Count));
            }
        }
        for (; i < src.Length; i++) bits[i] = (uint)src[i] << 16;
    }

    /// <summary>float32 -> bfloat16 bit patterns, round to nearest even (overflow rounds to ±inf; NaN -> quiet NaN).</summary>
    public static void F32ToBf16(ReadOnlySpan<float> src, Span<ushort> dst)
    {
        if (dst.Length < src.Length) throw new ArgumentException($"destination holds {dst.Length} elements, source has {src.Length}.");
        var bits = MemoryMarshal.Cast<float, uint>(src);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            int w = Vector512<uint>.Count;
            for (; i <= bits.Length - 2 * w; i += 2 * w)
            {
                var a = RoundBf16(Vector512.Create(bits.Slice(i, w)));
                var b = RoundBf16(Vector512.Create(bits.Slice(i + w, w)));
                Vector512.Narrow(a, b).CopyTo(dst.Slice(i));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            int w = Vector256<uint>.Count;
            for (; i <= bits.Length - 2 * w; i += 2 * w)
            {
                var a = RoundBf16(Vector256.Create(bits.Slice(i, w)));
                var b = RoundBf16(Vector256.Create(bits.Slice(i + w, w)));
                Vector256.Narrow(a, b).CopyTo(dst.Slice(i));
            }
        }
        for (; i < bits.Length; i++) dst[i] = RoundBf16(bits[i]);
    }

    /// <summary>One float32 bit pattern -> bfloat16, round to nearest even.</summary>
    public static ushort RoundBf16(uint b)
    {
        if ((b & 0x7FFF_FFFFu) > 0x7F80_0000u) return (ushort)((b >> 16) | 0x0040u); // NaN: keep sign/payload top, force quiet
        return (ushort)((b + 0x7FFFu + ((b >> 16) & 1u)) >> 16);
    }

    private static Vector512<uint> RoundBf16(Vector512<uint> b)
    {
        var isNan = Vector512.GreaterThan(b & Vector512.Create(0x7FFF_FFFFu), Vector512.Create(0x7F80_0000u));
        var rounded = (b + Vector512.Create(0x7FFFu) + ((b >> 16) & Vector512<uint>.One)) >> 16;
        var nan = (b >> 16) | Vector512.Create(0x0040u);
        return Vector512.ConditionalSelect(isNan, nan, rounded);
    }

    private static Vector256<uint> RoundBf16(Vector256<uint> b)
    {
        var isNan = Vector256.GreaterThan(b & Vector256.Create(0x7FFF_FFFFu), Vector256.Create(0x7F80_0000u));
        var rounded = (b + Vector256.Create(0x7FFFu) + ((b >> 16) & Vector256<uint>.One)) >> 16;
        var nan = (b >> 16) | Vector256.Create(0x0040u);
        return Vector256.ConditionalSelect(isNan, nan, rounded);
    }

    /// <summary>IEEE float16 -> float32 (exact).</summary>
    public static void F16ToF32(ReadOnlySpan<Half> src, Span<float> dst) => TensorPrimitives.ConvertToSingle(src, dst);

    /// <summary>float32 -> IEEE float16, round to nearest even (overflow -> ±inf, tiny values -> subnormals/±0).</summary>
    public static void F32ToF16(ReadOnlySpan<float> src, Span<Half> dst) => TensorPrimitives.ConvertToHalf(src, dst);
}
