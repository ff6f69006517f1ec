// The backend seam: the compute kernels whose speed depends on the hardware. Model code never calls a
// backend directly; ops reach it through Backend.Current. A CUDA backend will implement the same seam.
namespace Interp.Tensors;

public interface IBackend
{
    /// <summary>Short name reported by benchmarks and logs, e.g. "openblas" or "managed-avx512".</summary>
    string Name { get; }

    /// <summary>Row-major C = alpha·op(A)·op(B) + beta·C with op(X) = X or Xᵀ; A is m×k after op, B is k×n.</summary>
    unsafe void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    /// <summary>The same in double precision (used by float64 gradient checks; speed matters less).</summary>
    unsafe void Gemm(bool transA, bool transB, int m, int n, int k, double alpha, double* a, int lda, double* b, int ldb, double beta, double* c, int ldc);
}
