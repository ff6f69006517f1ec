// Managed single-precision GEMM. PLACEHOLDER: forwards to the reference loop until the blocked
// SIMD kernel lands (issue 2, item 5).
namespace Interp.Tensors;

internal static unsafe class ManagedGemm
{
    public static string Description => "managed";

    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
        => GemmReference.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
