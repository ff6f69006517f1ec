// The CPU backend without native libraries: a blocked, vectorised, multi-threaded GEMM in C#.
namespace Interp.Tensors;

internal sealed unsafe class ManagedBackend : IBackend
{
    public string Name => ManagedGemm.Description;

    public void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
        => ManagedGemm.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    public void Gemm(bool transA, bool transB, int m, int n, int k, double alpha, double* a, int lda, double* b, int ldb, double beta, double* c, int ldc)
        => GemmReference.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
