// GEMM for a handful of rows (m <= MaxRows: one-token decode steps, matrix-vector products) without packing:
// packing op(B) would cost more than the m multiply-adds each element of B takes part in. Rows of C are built
// as sums of scaled rows of B (op(B) = B) or as dot products with rows of Bᵀ (op(B) = Bᵀ), split by columns.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Numerics.Tensors;

namespace Interp.Tensors;

internal static unsafe class GemmSmall
{
    public const int MaxRows = 4;
    /// <summary>Columns of C updated per pass over k, so that strip of C stays in L1 while rows of B stream by.</summary>
    private const int ColumnStrip = 1024;

    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        // alpha·op(A) as m contiguous rows of k.
        float[] rowsBuf = ArrayPool<float>.Shared.Rent(m * k);
        try
        {
            fixed (float* rows = rowsBuf)
            {
                for (int i = 0; i < m; i++)
                    for (int p = 0; p < k; p++)
                        rows[i * k + p] = alpha * (transA ? a[(long)p * lda + i] : a[(long)i * lda + p]);
                nint pr = (nint)rows, pb = (nint)b, pc = (nint)c;
                Par.For(n, (long)m * k, (j0, j1) =>
                {
                    if (transB) Dots((float*)pr, m, k, (float*)pb, ldb, beta, (float*)pc, ldc, j0, j1);
                    else Axpys((float*)pr, m, k, (float*)pb, ldb, beta, (float*)pc, ldc, j0, j1);
                });
            }
        }
        finally { ArrayPool<float>.Shared.Return(rowsBuf); }
    }

    /// <summary>C[i, j0..j1) = beta·C + Σ_p rows[i, p]·B[p, j0..j1), a strip of columns at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Axpys(float* rows, int m, int k, float* b, int ldb, float beta, float* c, int ldc, int j0, int j1)
    {
        for (int s = j0; s < j1; s += ColumnStrip)
        {
            int len = Math.Min(ColumnStrip, j1 - s);
            for (int i = 0; i < m; i++)
            {
                var ci = new Span<float>(c + (long)i * ldc + s, len);
                if (beta == 0f) ci.Clear();
                else if (beta != 1f) TensorPrimitives.Multiply(ci, beta, ci);
            }
            for (int p = 0; p < k; p++)
            {
                var bp = new ReadOnlySpan<float>(b + (long)p * ldb + s, len);
                for (int i = 0; i < m; i++)
                {
                    var ci = new Span<float>(c + (long)i * ldc + s, len);
                    TensorPrimitives.MultiplyAdd(bp, rows[i * k + p], ci, ci);
                }
            }
        }
    }

    /// <summary>C[i, j] = beta·C + rows[i, ·]·Bᵀ[j, ·] for j in [j0, j1); op(B)[p, j] = b[j·ldb + p].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dots(float* rows, int m, int k, float* b, int ldb, float beta, float* c, int ldc, int j0, int j1)
    {
        for (int j = j0; j < j1; j++)
        {
            var bj = new ReadOnlySpan<float>(b + (long)j * ldb, k);
            for (int i = 0; i < m; i++)
            {
                float dot = TensorPrimitives.Dot(new ReadOnlySpan<float>(rows + i * k, k), bj);
                float* cij = c + (long)i * ldc + j;
                *cij = beta == 0f ? dot : dot + beta * *cij;
            }
        }
    }
}
