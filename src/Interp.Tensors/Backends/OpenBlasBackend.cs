// GEMM through OpenBLAS's cblas_sgemm/cblas_dgemm, bound at run time with NativeLibrary so the
// project builds and runs without it.
using System.Runtime.InteropServices;

namespace Interp.Tensors;

internal sealed unsafe class OpenBlasBackend : IBackend
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;
    private static readonly Lazy<OpenBlasBackend?> Instance = new(Load);

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> _dgemm;
    private readonly delegate* unmanaged<int, void> _setThreads;

    public string Name { get; }

    private OpenBlasBackend(IntPtr lib)
    {
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)NativeLibrary.GetExport(lib, "cblas_sgemm");
        _dgemm = (delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)NativeLibrary.GetExport(lib, "cblas_dgemm");
        _setThreads = NativeLibrary.TryGetExport(lib, "openblas_set_num_threads", out var st) ? (delegate* unmanaged<int, void>)st : null;
        string cfg = "";
        if (NativeLibrary.TryGetExport(lib, "openblas_get_config", out var gc))
            cfg = Marshal.PtrToStringAnsi(((delegate* unmanaged<IntPtr>)gc)()) ?? "";
        Name = "openblas" + (cfg.Length > 0 ? $" ({cfg.Trim()})" : "");
        SetThreads(Par.Threads);
    }

    public void SetThreads(int n) { if (_setThreads != null) _setThreads(n); }

    public static OpenBlasBackend? TryCreate() => Instance.Value;

    private static OpenBlasBackend? Load()
    {
        foreach (var name in new[] { "libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0" })
            if (NativeLibrary.TryLoad(name, out var lib) && NativeLibrary.TryGetExport(lib, "cblas_sgemm", out _))
                return new OpenBlasBackend(lib);
        return null;
    }

    public void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (m == 0 || n == 0) return;
        _sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, Math.Max(lda, 1), b, Math.Max(ldb, 1), beta, c, Math.Max(ldc, 1));
    }

    public void Gemm(bool transA, bool transB, int m, int n, int k, double alpha, double* a, int lda, double* b, int ldb, double beta, double* c, int ldc)
    {
        if (m == 0 || n == 0) return;
        _dgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, Math.Max(lda, 1), b, Math.Max(ldb, 1), beta, c, Math.Max(ldc, 1));
    }
}
