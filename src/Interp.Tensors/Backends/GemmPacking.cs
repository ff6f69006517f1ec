// Packs blocks of op(A) and op(B) into the contiguous micro-panel layouts the GEMM micro-kernels stream:
// A block (mc×kc) -> ceil(mc/MR) panels of kc steps × MR floats; B block (kc×nc) -> ceil(nc/NR) panels of
// kc steps × NR floats. Ragged panels are zero-padded so kernels always compute full tiles. No arithmetic here.
using System.Runtime.Intrinsics;

namespace Interp.Tensors;

internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs rows [i0, i0+mc) and columns [p0, p0+kc) of op(A) (op = transpose when transA) into dst,
    /// panel r starting at dst + r·MR·kc.
    /// </summary>
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
                // op(A)[i, p] = a[i·lda + p]: read each row contiguously, scatter with stride MR.
                for (int i = 0; i < rows; i++)
                {
                    float* src = a + (long)(i0 + r + i) * lda + p0;
                    float* di = d + i;
                    int p = 0;
                    for (; p + 4 <= kc; p += 4)
                    {
                        di[0] = src[p]; di[mr] = src[p + 1]; di[2 * mr] = src[p + 2]; di[3 * mr] = src[p + 3];
                        di += 4 * mr;
                    }
                    for (; p < kc; p++, di += mr) *di = src[p];
                }
                for (int i = rows; i < mr; i++)
                    for (int p = 0; p < kc; p++) d[p * mr + i] = 0f;
            }
        }
    }

    /// <summary>
    /// Packs NR-column panels [panelStart, panelEnd) of rows [p0, p0+kc), columns [j0, j0+nc) of op(B)
    /// (op = transpose when transB) into dst, panel q starting at dst + q·NR·kc.
    /// </summary>
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
                // op(B)[p, j] = b[j·ldb + p]: read each column of op(B) contiguously, scatter with stride NR.
                for (int j = 0; j < cols; j++)
                {
                    float* src = b + (long)(j0 + jq + j) * ldb + p0;
                    float* dj = d + j;
                    int p = 0;
                    for (; p + 4 <= kc; p += 4)
                    {
                        dj[0] = src[p]; dj[nr] = src[p + 1]; dj[2 * nr] = src[p + 2]; dj[3 * nr] = src[p + 3];
                        dj += 4 * nr;
                    }
                    for (; p < kc; p++, dj += nr) *dj = src[p];
                }
                for (int j = cols; j < nr; j++)
                    for (int p = 0; p < kc; p++) d[p * nr + j] = 0f;
            }
        }
    }
}
