// Packs blocks of op(A) and op(B) into the contiguous micro-panel layouts the GEMM micro-kernels stream:
// A block (mc×kc) -> ceil(mc/MR) panels of kc steps × MR floats; B block (kc×nc) -> ceil(nc/NR) panels of
// kc steps × NR floats. Ragged panels are zero-padded so kernels always compute full tiles. No arithmetic here.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Interp.Tensors;

internal static unsafe class GemmPacking
{
    // Hot loops here and in the kernels are [AggressiveOptimization]: a big GEMM is called only a few times, so
    // tiered compilation would otherwise run its first calls on unoptimised tier-0 code.
    /// <summary>
    /// Packs rows [i0, i0+mc) and columns [p0, p0+kc) of op(A) (op = transpose when transA) into dst,
    /// panel r starting at dst + r·MR·kc.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(bool transA, float* a, int lda, int i0, int p0, int mc, int kc, int mr, float* dst)
    {
        for (int r = 0; r < mc; r += mr)
        {
            int rows = Math.Min(mr, mc - r);
            float* d = dst + (long)r * kc;
            if (transA)
            {
                // op(A)[i, p] = a[p·lda + i]: each k step is a contiguous run of rows.
                float* src = a + (long)p0 * lda + i0 + r;
                for (int p = 0; p < kc; p++, src += lda, d += mr)
                {
                    int i = 0;
                    if (rows == mr)
                    {
                        for (; i + 8 <= mr; i += 8) Vector256.Store(Vector256.Load(src + i), d + i);
                        for (; i + 4 <= mr; i += 4) Vector128.Store(Vector128.Load(src + i), d + i);
                    }
                    for (; i < rows; i++) d[i] = src[i];
                    for (; i < mr; i++) d[i] = 0f;
                }
            }
            else
            {
                // op(A)[i, p] = a[i·lda + p]: a transpose. Groups of 4 rows go through 4×4 SSE transposes
                // (~3x faster than a scalar scatter); leftover rows are scattered with stride MR.
                float* rowBase = a + (long)(i0 + r) * lda + p0;
                int i4 = Sse.IsSupported ? rows / 4 * 4 : 0;
                for (int i = 0; i < i4; i += 4)
                    Transpose4Rows(rowBase + (long)i * lda, lda, kc, d + i, mr);
                for (int i = i4; i < rows; i++)
                {
                    float* src = rowBase + (long)i * lda;
                    float* di = d + i;
                    for (int p = 0; p < kc; p++, di += mr) *di = src[p];
                }
                for (int i = rows; i < mr; i++)
                    for (int p = 0; p < kc; p++) d[p * mr + i] = 0f;
            }
        }
    }

    /// <summary>Writes rows src[0..3] (stride lda, kc long) as columns: dst[p·mr + q] = src[q·lda + p] for q < 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose4Rows(float* src, int lda, int kc, float* dst, int mr)
    {
        float* s0 = src, s1 = src + lda, s2 = src + 2L * lda, s3 = src + 3L * lda;
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            var r0 = Sse.LoadVector128(s0 + p);
            var r1 = Sse.LoadVector128(s1 + p);
            var r2 = Sse.LoadVector128(s2 + p);
            var r3 = Sse.LoadVector128(s3 + p);
            var t0 = Sse.UnpackLow(r0, r1);  // r0[0] r1[0] r0[1] r1[1]
            var t1 = Sse.UnpackLow(r2, r3);  // r2[0] r3[0] r2[1] r3[1]
            var t2 = Sse.UnpackHigh(r0, r1); // r0[2] r1[2] r0[3] r1[3]
            var t3 = Sse.UnpackHigh(r2, r3); // r2[2] r3[2] r2[3] r3[3]
            float* d = dst + (long)p * mr;
            Sse.Store(d, Sse.MoveLowToHigh(t0, t1));
            Sse.Store(d + mr, Sse.MoveHighToLow(t1, t0));
            Sse.Store(d + 2 * mr, Sse.MoveLowToHigh(t2, t3));
            Sse.Store(d + 3 * mr, Sse.MoveHighToLow(t3, t2));
        }
        for (; p < kc; p++)
        {
            float* d = dst + (long)p * mr;
            d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p];
        }
    }

    /// <summary>
    /// Packs NR-column panels [panelStart, panelEnd) of rows [p0, p0+kc), columns [j0, j0+nc) of op(B)
    /// (op = transpose when transB) into dst, panel q starting at dst + q·NR·kc.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(bool transB, float* b, int ldb, int p0, int j0, int kc, int nc, int nr, int panelStart, int panelEnd, float* dst)
    {
        for (int q = panelStart; q < panelEnd; q++)
        {
            int jq = q * nr, cols = Math.Min(nr, nc - jq);
            float* d = dst + (long)q * nr * kc;
            if (!transB)
            {
                // op(B)[p, j] = b[p·ldb + j]: each k step is a contiguous run of columns.
                float* src = b + (long)p0 * ldb + j0 + jq;
                if (cols == nr)
                {
                    for (int p = 0; p < kc; p++, src += ldb, d += nr)
                        for (int j = 0; j < nr; j += 8) Vector256.Store(Vector256.Load(src + j), d + j);
                }
                else
                {
                    for (int p = 0; p < kc; p++, src += ldb, d += nr)
                    {
                        int j = 0;
                        for (; j < cols; j++) d[j] = src[j];
                        for (; j < nr; j++) d[j] = 0f;
                    }
                }
            }
            else
            {
                // op(B)[p, j] = b[j·ldb + p]: a transpose, done like op(A) above (4×4 SSE blocks, scalar leftovers).
                float* colBase = b + (long)(j0 + jq) * ldb + p0;
                int j4 = Sse.IsSupported ? cols / 4 * 4 : 0;
                for (int j = 0; j < j4; j += 4)
                    Transpose4Rows(colBase + (long)j * ldb, ldb, kc, d + j, nr);
                for (int j = j4; j < cols; j++)
                {
                    float* src = colBase + (long)j * ldb;
                    float* dj = d + j;
                    for (int p = 0; p < kc; p++, dj += nr) *dj = src[p];
                }
                for (int j = cols; j < nr; j++)
                    for (int p = 0; p < kc; p++) d[p * nr + j] = 0f;
            }
        }
    }
}
