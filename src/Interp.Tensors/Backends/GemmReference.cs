// The naive triple loop that every optimised GEMM is tested against. Slow on purpose: obviously right.
using System.Numerics;

namespace Interp.Tensors;

public static unsafe class GemmReference
{
    public static void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc)
        where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                T acc = T.Zero;
                for (int p = 0; p < k; p++)
                {
                    T av = transA ? a[p * lda + i] : a[i * lda + p];
                    T bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    acc += av * bv;
                }
                c[i * ldc + j] = alpha * acc + (beta == T.Zero ? T.Zero : beta * c[i * ldc + j]);
            }
    }
}
