// Register-blocked GEMM micro-kernels: C[MR×NR] = alpha·Ap·Bp + beta·C over packed panels (see GemmPacking).
// Each kernel keeps the whole C tile in vector registers for the k loop. Not a GEMM by itself: the driver
// (ManagedGemm) does blocking, packing, threading and the ragged edges.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Interp.Tensors;

internal static unsafe class GemmKernels
{
    /// <summary>AVX-512 tile: 12 rows × 32 columns (24 zmm accumulators + 2 B vectors + 1 broadcast of the 32 registers).</summary>
    public const int MR512 = 12, NR512 = 32;
    /// <summary>AVX2 tile: 6 rows × 16 columns (12 ymm accumulators + 2 B vectors + 1 broadcast of the 16 registers).</summary>
    public const int MR256 = 6, NR256 = 16;

    /// <summary>
    /// pa: kc steps of MR512 floats; pb: kc steps of NR512 floats; c: full 12×32 tile with row stride ldc.
    /// beta == 0 stores alpha·acc without reading C (C may hold NaN).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel12x32(int kc, float* pa, float* pb, float* c, int ldc, float alpha, float beta)
    {
        PrefetchTile(c, ldc, MR512, 2);
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default, cA0 = default, cA1 = default, cB0 = default, cB1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(pb);
            var b1 = Vector512.Load(pb + 16);
            Vector512<float> a;
            a = Vector512.Create(pa[0]); c00 = Vector512.FusedMultiplyAdd(a, b0, c00); c01 = Vector512.FusedMultiplyAdd(a, b1, c01);
            a = Vector512.Create(pa[1]); c10 = Vector512.FusedMultiplyAdd(a, b0, c10); c11 = Vector512.FusedMultiplyAdd(a, b1, c11);
            a = Vector512.Create(pa[2]); c20 = Vector512.FusedMultiplyAdd(a, b0, c20); c21 = Vector512.FusedMultiplyAdd(a, b1, c21);
            a = Vector512.Create(pa[3]); c30 = Vector512.FusedMultiplyAdd(a, b0, c30); c31 = Vector512.FusedMultiplyAdd(a, b1, c31);
            a = Vector512.Create(pa[4]); c40 = Vector512.FusedMultiplyAdd(a, b0, c40); c41 = Vector512.FusedMultiplyAdd(a, b1, c41);
            a = Vector512.Create(pa[5]); c50 = Vector512.FusedMultiplyAdd(a, b0, c50); c51 = Vector512.FusedMultiplyAdd(a, b1, c51);
            a = Vector512.Create(pa[6]); c60 = Vector512.FusedMultiplyAdd(a, b0, c60); c61 = Vector512.FusedMultiplyAdd(a, b1, c61);
            a = Vector512.Create(pa[7]); c70 = Vector512.FusedMultiplyAdd(a, b0, c70); c71 = Vector512.FusedMultiplyAdd(a, b1, c71);
            a = Vector512.Create(pa[8]); c80 = Vector512.FusedMultiplyAdd(a, b0, c80); c81 = Vector512.FusedMultiplyAdd(a, b1, c81);
            a = Vector512.Create(pa[9]); c90 = Vector512.FusedMultiplyAdd(a, b0, c90); c91 = Vector512.FusedMultiplyAdd(a, b1, c91);
            a = Vector512.Create(pa[10]); cA0 = Vector512.FusedMultiplyAdd(a, b0, cA0); cA1 = Vector512.FusedMultiplyAdd(a, b1, cA1);
            a = Vector512.Create(pa[11]); cB0 = Vector512.FusedMultiplyAdd(a, b0, cB0); cB1 = Vector512.FusedMultiplyAdd(a, b1, cB1);
            pa += MR512;
            pb += NR512;
        }
        Store512(c, c00, c01, alpha, beta); c += ldc;
        Store512(c, c10, c11, alpha, beta); c += ldc;
        Store512(c, c20, c21, alpha, beta); c += ldc;
        Store512(c, c30, c31, alpha, beta); c += ldc;
        Store512(c, c40, c41, alpha, beta); c += ldc;
        Store512(c, c50, c51, alpha, beta); c += ldc;
        Store512(c, c60, c61, alpha, beta); c += ldc;
        Store512(c, c70, c71, alpha, beta); c += ldc;
        Store512(c, c80, c81, alpha, beta); c += ldc;
        Store512(c, c90, c91, alpha, beta); c += ldc;
        Store512(c, cA0, cA1, alpha, beta); c += ldc;
        Store512(c, cB0, cB1, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* c, Vector512<float> x0, Vector512<float> x1, float alpha, float beta)
    {
        var va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            (x0 * va).Store(c);
            (x1 * va).Store(c + 16);
        }
        else
        {
            var vb = Vector512.Create(beta);
            Vector512.FusedMultiplyAdd(Vector512.Load(c), vb, x0 * va).Store(c);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 16), vb, x1 * va).Store(c + 16);
        }
    }

    /// <summary>The AVX2 counterpart of Kernel12x32: pa steps of MR256, pb steps of NR256, a full 6×16 tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel6x16(int kc, float* pa, float* pb, float* c, int ldc, float alpha, float beta)
    {
        PrefetchTile(c, ldc, MR256, 1);
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(pb);
            var b1 = Vector256.Load(pb + 8);
            Vector256<float> a;
            a = Vector256.Create(pa[0]); c00 = Vector256.FusedMultiplyAdd(a, b0, c00); c01 = Vector256.FusedMultiplyAdd(a, b1, c01);
            a = Vector256.Create(pa[1]); c10 = Vector256.FusedMultiplyAdd(a, b0, c10); c11 = Vector256.FusedMultiplyAdd(a, b1, c11);
            a = Vector256.Create(pa[2]); c20 = Vector256.FusedMultiplyAdd(a, b0, c20); c21 = Vector256.FusedMultiplyAdd(a, b1, c21);
            a = Vector256.Create(pa[3]); c30 = Vector256.FusedMultiplyAdd(a, b0, c30); c31 = Vector256.FusedMultiplyAdd(a, b1, c31);
            a = Vector256.Create(pa[4]); c40 = Vector256.FusedMultiplyAdd(a, b0, c40); c41 = Vector256.FusedMultiplyAdd(a, b1, c41);
            a = Vector256.Create(pa[5]); c50 = Vector256.FusedMultiplyAdd(a, b0, c50); c51 = Vector256.FusedMultiplyAdd(a, b1, c51);
            pa += MR256;
            pb += NR256;
        }
        Store256(c, c00, c01, alpha, beta); c += ldc;
        Store256(c, c10, c11, alpha, beta); c += ldc;
        Store256(c, c20, c21, alpha, beta); c += ldc;
        Store256(c, c30, c31, alpha, beta); c += ldc;
        Store256(c, c40, c41, alpha, beta); c += ldc;
        Store256(c, c50, c51, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(float* c, Vector256<float> x0, Vector256<float> x1, float alpha, float beta)
    {
        var va = Vector256.Create(alpha);
        if (beta == 0f)
        {
            (x0 * va).Store(c);
            (x1 * va).Store(c + 8);
        }
        else
        {
            var vb = Vector256.Create(beta);
            Vector256.FusedMultiplyAdd(Vector256.Load(c), vb, x0 * va).Store(c);
            Vector256.FusedMultiplyAdd(Vector256.Load(c + 8), vb, x1 * va).Store(c + 8);
        }
    }

    /// <summary>Starts loading the C tile's cache lines so the stores after the k loop do not wait on memory (~5% measured).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(float* c, int ldc, int rows, int linesPerRow)
    {
        if (!Sse.IsSupported) return;
        for (int i = 0; i < rows; i++, c += ldc)
            for (int l = 0; l < linesPerRow; l++) Sse.Prefetch0(c + 16 * l);
    }

    /// <summary>
    /// Ragged edge: merges an mr×nr corner of a full tile (row stride tileLd, computed with alpha = 1, beta = 0)
    /// into C as C = alpha·tile + beta·C, scalar, never reading C when beta == 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MergeTile(float* tile, int tileLd, int mr, int nr, float* c, int ldc, float alpha, float beta)
    {
        for (int i = 0; i < mr; i++)
        {
            float* t = tile + i * tileLd, ci = c + i * ldc;
            if (beta == 0f) for (int j = 0; j < nr; j++) ci[j] = alpha * t[j];
            else for (int j = 0; j < nr; j++) ci[j] = alpha * t[j] + beta * ci[j];
        }
    }
}
