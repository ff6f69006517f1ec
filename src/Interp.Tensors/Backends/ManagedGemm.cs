// Managed single-precision GEMM (row-major C = alpha·op(A)·op(B) + beta·C): cache blocking (NC/KC/MC),
// packed panels (GemmPacking), register-blocked SIMD micro-kernels (GemmKernels), split over Par.Threads.
// Not a double-precision GEMM: float64 stays on GemmReference (gradient checks only).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Interp.Tensors;

internal static unsafe class ManagedGemm
{
    internal enum KernelKind { Avx512, Avx2 }

    /// <summary>Micro-kernel used by Sgemm: Avx512 when Vector512 is hardware-accelerated. (Both run anywhere; tests cover both.)</summary>
    internal static KernelKind Kernel { get; } = Vector512.IsHardwareAccelerated ? KernelKind.Avx512 : KernelKind.Avx2;

    public static string Description => Kernel == KernelKind.Avx512 ? "managed-avx512" : "managed-avx2";

    /// <summary>Rows of op(A) per packed block (kept in L2 per thread); rounded to a multiple of MR.</summary>
    internal static int MC { get; set; } = 192;
    /// <summary>Depth per packed block: a KC×NR B micro-panel should sit in L1 while the A block streams from L2.</summary>
    internal static int KC { get; set; } = 256;
    /// <summary>Columns of op(B) per packed block (shared by all threads, kept in L3).</summary>
    internal static int NC { get; set; } = 3072;
    /// <summary>Below this many multiply-adds one thread does the whole product (thread hand-off costs more).</summary>
    internal const long ParallelMinMacs = 1L << 21;

    [ThreadStatic] private static float[]? _bufA;
    [ThreadStatic] private static float[]? _bufB;

    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
        => Sgemm(Kernel, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>Sgemm with an explicit micro-kernel (tests run both on any machine).</summary>
    internal static void Sgemm(KernelKind kernel, bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        Validate(transA, transB, m, n, k, lda, ldb, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) { ScaleC(m, n, beta, c, ldc); return; }

        bool v512 = kernel == KernelKind.Avx512;
        int mr = v512 ? GemmKernels.MR512 : GemmKernels.MR256, nr = v512 ? GemmKernels.NR512 : GemmKernels.NR256;
        int mcBlock = Math.Max(mr, MC / mr * mr), kcBlock = Math.Max(1, KC), ncBlock = Math.Max(nr, NC / nr * nr);
        int threads = (long)m * n * k < ParallelMinMacs ? 1 : Math.Max(1, Par.Threads);

        int ncMax = Math.Min(ncBlock, RoundUp(n, nr)), kcMax = Math.Min(kcBlock, k);
        float[] bufB = Rent(ref _bufB, (long)ncMax * kcMax);
        try
        {
            var job = new Job
            {
                TransA = transA, TransB = transB, M = m, A = a, Lda = lda, B = b, Ldb = ldb, C = c, Ldc = ldc,
                Alpha = alpha, Mr = mr, Nr = nr, McBlock = Math.Min(mcBlock, RoundUp(m, mr)), V512 = v512, Bp = Align(bufB),
            };
            for (int jc = 0; jc < n; jc += ncBlock)
            {
                job.Jc = jc;
                job.Nc = Math.Min(ncBlock, n - jc);
                int panels = (job.Nc + nr - 1) / nr;
                for (int pc = 0; pc < k; pc += kcBlock)
                {
                    job.Pc = pc;
                    job.Kc = Math.Min(kcBlock, k - pc);
                    job.Beta = pc == 0 ? beta : 1f;
                    RunSplit(threads, panels, (s, e) => GemmPacking.PackB(job.TransB, job.B, job.Ldb, job.Pc, job.Jc, job.Kc, job.Nc, job.Nr, s, e, job.Bp));
                    Compute(job, threads, panels);
                }
            }
        }
        finally { _bufB = bufB; }
    }

    /// <summary>Everything a (jc, pc) step needs; a class so Par.For closures can share it.</summary>
    private sealed class Job
    {
        public bool TransA, TransB, V512;
        public int M, Lda, Ldb, Ldc, Mr, Nr, McBlock, Jc, Nc, Pc, Kc;
        public float* A, B, C, Bp;
        public float Alpha, Beta;
    }

    /// <summary>Splits the C block over threads: by row blocks when that balances as well as by column panels.</summary>
    private static void Compute(Job job, int threads, int panels)
    {
        int rowBlocks = (job.M + job.Mr - 1) / job.Mr;
        if (threads == 1) { ComputeRange(job, 0, job.M, 0, panels); return; }
        if (Balance(rowBlocks, threads) >= Balance(panels, threads))
            RunSplit(threads, rowBlocks, (s, e) => ComputeRange(job, s * job.Mr, Math.Min(job.M, e * job.Mr), 0, panels));
        else
            RunSplit(threads, panels, (s, e) => ComputeRange(job, 0, job.M, s, e));
    }

    private static double Balance(int items, int threads) => items / (double)(threads * ((items + threads - 1) / threads));

    private static void RunSplit(int threads, int items, Action<int, int> body)
    {
        if (threads <= 1 || items <= 1) { body(0, items); return; }
        // Par.For makes min(Threads, items) chunks once the stated cost clears its threshold.
        Par.For(items, long.MaxValue / items, body);
    }

    /// <summary>C[rows, panel columns] of this (jc, pc) step: pack A blocks of McBlock rows, then run the kernels.</summary>
    private static void ComputeRange(Job job, int rowStart, int rowEnd, int panelStart, int panelEnd)
    {
        int mr = job.Mr, nr = job.Nr, kc = job.Kc;
        float[] bufA = Rent(ref _bufA, (long)job.McBlock * kc);
        try
        {
            float* ap = Align(bufA);
            float* tile = stackalloc float[GemmKernels.MR512 * GemmKernels.NR512];
            for (int ic = rowStart; ic < rowEnd; ic += job.McBlock)
            {
                int mc = Math.Min(job.McBlock, rowEnd - ic);
                GemmPacking.PackA(job.TransA, job.A, job.Lda, ic, job.Pc, mc, kc, mr, ap);
                for (int q = panelStart; q < panelEnd; q++)
                {
                    int j = job.Jc + q * nr, ncols = Math.Min(nr, job.Nc - q * nr);
                    float* bp = job.Bp + (long)q * nr * kc;
                    for (int ir = 0; ir < mc; ir += mr)
                    {
                        int nrows = Math.Min(mr, mc - ir);
                        float* cp = job.C + (long)(ic + ir) * job.Ldc + j;
                        float* apanel = ap + (long)ir * kc;
                        if (nrows == mr && ncols == nr)
                            RunKernel(job.V512, kc, apanel, bp, cp, job.Ldc, job.Alpha, job.Beta);
                        else
                        {
                            RunKernel(job.V512, kc, apanel, bp, tile, nr, 1f, 0f);
                            GemmKernels.MergeTile(tile, nr, nrows, ncols, cp, job.Ldc, job.Alpha, job.Beta);
                        }
                    }
                }
            }
        }
        finally { _bufA = bufA; }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RunKernel(bool v512, int kc, float* pa, float* pb, float* c, int ldc, float alpha, float beta)
    {
        if (v512) GemmKernels.Kernel12x32(kc, pa, pb, c, ldc, alpha, beta);
        else GemmKernels.Kernel6x16(kc, pa, pb, c, ldc, alpha, beta);
    }

    /// <summary>C = beta·C (k == 0 or alpha == 0); beta == 0 writes zeros without reading C.</summary>
    private static void ScaleC(int m, int n, float beta, float* c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (long)i * ldc, n);
            if (beta == 0f) row.Clear();
            else if (beta != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    /// <summary>Takes this thread's buffer (growing it if needed) and leaves null behind, so a re-entrant call allocates its own.</summary>
    private static float[] Rent(ref float[]? slot, long floats)
    {
        long need = floats + 16; // room to align to 64 bytes
        if (need > Array.MaxLength) throw new InvalidOperationException($"GEMM packing buffer of {need} floats is too large; lower MC/KC/NC.");
        var buf = slot;
        slot = null;
        if (buf is null || buf.Length < need) buf = GC.AllocateUninitializedArray<float>((int)need, pinned: true);
        return buf;
    }

    /// <summary>First 64-byte-aligned element of a pinned buffer.</summary>
    private static float* Align(float[] pinned)
    {
        nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
        return (float*)((p + 63) & ~(nint)63);
    }

    private static int RoundUp(int x, int to) => (x + to - 1) / to * to;

    private static void Validate(bool transA, bool transB, int m, int n, int k, int lda, int ldb, int ldc)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentException($"GEMM sizes must be non-negative; got m={m}, n={n}, k={k}.");
        int needA = Math.Max(1, transA ? m : k), needB = Math.Max(1, transB ? k : n), needC = Math.Max(1, n);
        if (lda < needA || ldb < needB || ldc < needC)
            throw new ArgumentException(
                $"GEMM leading dimensions too small: lda={lda} (need >= {needA}), ldb={ldb} (need >= {needB}), ldc={ldc} (need >= {needC}) " +
                $"for m={m}, n={n}, k={k}, transA={transA}, transB={transB}. Pass the row stride of each row-major matrix.");
    }
}
