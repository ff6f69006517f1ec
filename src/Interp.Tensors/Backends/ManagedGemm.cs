// Managed row-major SGEMM, C = alpha·op(A)·op(B) + beta·C: cache blocks, packed panels (GemmPacking), SIMD
// micro-kernels (GemmKernels), slabs over Par.Threads; <= 4 rows skip packing (GemmSmall). Not float64:
// double stays on GemmReference (used by gradient checks only).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Interp.Tensors;

internal static unsafe class ManagedGemm
{
    internal enum KernelKind { Avx512, Avx2 }

    /// <summary>Micro-kernel used by Sgemm: Avx512 when Vector512 is hardware-accelerated. (Both run anywhere; tests cover both.)</summary>
    internal static KernelKind Kernel { get; } = Vector512.IsHardwareAccelerated ? KernelKind.Avx512 : KernelKind.Avx2;

    public static string Description => Kernel == KernelKind.Avx512 ? "managed-avx512" : "managed-avx2";

    // Cache blocking, tuned single-threaded on Zen 5 (48 KiB L1d, 1 MiB L2 per core, 32 MiB L3) over MC 96..264,
    // KC 128..768, NC 768..6144: KC = 768 beat 256/384/512 by ~10% on k = 768 shapes because C is then read and
    // written once; the packed A block (MC×KC = 576 KiB) stays in L2 and both micro-panels stream from L2 to L1.
    /// <summary>Rows of op(A) per packed block (L2-resident per thread); blocks are evened out and rounded to MR.</summary>
    internal const int MC = 192;
    /// <summary>Depth per packed block; depths above it run in even chunks that accumulate onto C.</summary>
    internal const int KC = 768;
    /// <summary>Columns of op(B) per packed block (per thread, L3-resident: KC×NC floats = 6 MiB).</summary>
    internal const int NC = 2048;
    /// <summary>
    /// Below this many multiply-adds one thread does the whole product: the hand-off costs more, and it matches
    /// MatMul's threshold for spreading a batch of small products over the cores (so those do not nest).
    /// </summary>
    internal const long ParallelMinMacs = 4_000_000;

    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
        => Sgemm(Kernel, MC, KC, NC, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>Sgemm with an explicit micro-kernel and cache blocks (tests run both kernels, and tiny blocks to cross every block edge).</summary>
    internal static void Sgemm(KernelKind kernel, int mc, int kc, int nc, bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        Validate(transA, transB, m, n, k, lda, ldb, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) { ScaleC(m, n, beta, c, ldc); return; }
        if (m <= GemmSmall.MaxRows) { GemmSmall.Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); return; }

        var g = new Geometry(kernel == KernelKind.Avx512, mc, kc, nc);
        int threads = (long)m * n * k < ParallelMinMacs ? 1 : Math.Max(1, Par.Threads);
        if (threads == 1) { Serial(g, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); return; }

        // Each thread computes its own slab of C with private packing buffers: one join per call, no barriers.
        // Split by rows (each thread packs all of B) or by columns (each packs all of A), whichever finishes the
        // slowest slab first, counting packing at its measured cost in multiply-add equivalents.
        int rowUnits = (m + g.Mr - 1) / g.Mr, colUnits = (n + g.Nr - 1) / g.Nr;
        int tRows = Math.Min(threads, rowUnits), tCols = Math.Min(threads, colUnits);
        double packA = PackAMacs, packB = transB ? PackBTransMacs : PackBMacs;
        double slabRows = Math.Min(m, SlabUnits(rowUnits, tRows) * g.Mr), slabCols = Math.Min(n, SlabUnits(colUnits, tCols) * g.Nr);
        double costRows = slabRows * n * k + packB * k * n + packA * slabRows * k;
        double costCols = slabCols * m * k + packA * m * k + packB * k * slabCols;
        bool byRows = costRows <= costCols;
        int parts = byRows ? tRows : tCols, units = byRows ? rowUnits : colUnits;
        nint pa = (nint)a, pb = (nint)b, pc = (nint)c;
        Par.For(parts, long.MaxValue / parts, (s, e) =>
        {
            for (int t = s; t < e; t++)
            {
                int u0 = (int)((long)units * t / parts), u1 = (int)((long)units * (t + 1) / parts);
                float* A = (float*)pa, B = (float*)pb, C = (float*)pc;
                if (byRows)
                {
                    int i0 = u0 * g.Mr, rows = Math.Min(m, u1 * g.Mr) - i0;
                    if (rows > 0) Serial(g, transA, transB, rows, n, k, alpha, transA ? A + i0 : A + (long)i0 * lda, lda, B, ldb, beta, C + (long)i0 * ldc, ldc);
                }
                else
                {
                    int j0 = u0 * g.Nr, cols = Math.Min(n, u1 * g.Nr) - j0;
                    if (cols > 0) Serial(g, transA, transB, m, cols, k, alpha, A, lda, transB ? B + (long)j0 * ldb : B + j0, ldb, beta, C + j0, ldc);
                }
            }
        });
    }

    /// <summary>Largest slab, in units, when units are split evenly over parts.</summary>
    private static int SlabUnits(int units, int parts) => (units + parts - 1) / parts;

    // Packing cost per element in multiply-add equivalents (measured on AVX-512 Zen 5: a MAC in the kernel takes
    // ~0.009 ns; packing op(A) or op(B) ~0.1 ns per element, transposed op(B) ~0.2 ns).
    private const double PackAMacs = 11, PackBMacs = 11, PackBTransMacs = 22;

    /// <summary>Tile shape of the chosen micro-kernel and the cache blocks rounded to it.</summary>
    private readonly struct Geometry
    {
        public readonly bool V512;
        public readonly int Mr, Nr, Mc, Kc, Nc;

        public Geometry(bool v512, int mc, int kc, int nc)
        {
            V512 = v512;
            Mr = v512 ? GemmKernels.MR512 : GemmKernels.MR256;
            Nr = v512 ? GemmKernels.NR512 : GemmKernels.NR256;
            Mc = Math.Max(Mr, mc / Mr * Mr);
            Kc = Math.Max(1, kc);
            Nc = Math.Max(Nr, nc / Nr * Nr);
        }
    }

    /// <summary>One thread's blocked GEMM: loops jc (NC) → pc (KC, pack B) → ic (MC, pack A) → jr (NR) → ir (MR).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Serial(in Geometry g, bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        int mr = g.Mr, nr = g.Nr;
        // Even blocks: m = 256 runs as 2×132 rather than 192 + 64; k = 1000 as 2×500 rather than 768 + 232.
        int mcBlock = RoundUp(CeilDiv(m, CeilDiv(m, g.Mc)), mr), kcBlock = CeilDiv(k, CeilDiv(k, g.Kc));
        int mcMax = Math.Min(mcBlock, RoundUp(m, mr)), kcMax = kcBlock, ncMax = Math.Min(g.Nc, RoundUp(n, nr));
        long floatsA = (long)mcMax * kcMax;
        float[] work = GemmWorkspace.Rent(floatsA, (long)ncMax * kcMax);
        try
        {
            float* ap = GemmWorkspace.RegionA(work), bp = GemmWorkspace.RegionB(work, floatsA);
            float* tile = stackalloc float[GemmKernels.MR512 * GemmKernels.NR512];
            for (int jc = 0; jc < n; jc += g.Nc)
            {
                int nc = Math.Min(g.Nc, n - jc), panels = (nc + nr - 1) / nr;
                for (int pc = 0; pc < k; pc += kcBlock)
                {
                    int kc = Math.Min(kcBlock, k - pc);
                    float betaStep = pc == 0 ? beta : 1f; // later depth blocks accumulate onto C
                    GemmPacking.PackB(transB, b, ldb, pc, jc, kc, nc, nr, 0, panels, bp);
                    for (int ic = 0; ic < m; ic += mcBlock)
                    {
                        int mc = Math.Min(mcBlock, m - ic);
                        GemmPacking.PackA(transA, a, lda, ic, pc, mc, kc, mr, ap);
                        for (int q = 0; q < panels; q++)
                        {
                            int ncols = Math.Min(nr, nc - q * nr);
                            float* bq = bp + (long)q * nr * kc;
                            for (int ir = 0; ir < mc; ir += mr)
                            {
                                int nrows = Math.Min(mr, mc - ir);
                                float* cp = c + (long)(ic + ir) * ldc + jc + q * nr;
                                float* ai = ap + (long)ir * kc;
                                if (nrows == mr && ncols == nr)
                                    RunKernel(g.V512, kc, ai, bq, cp, ldc, alpha, betaStep);
                                else
                                {
                                    RunKernel(g.V512, kc, ai, bq, tile, nr, 1f, 0f);
                                    GemmKernels.MergeTile(tile, nr, nrows, ncols, cp, ldc, alpha, betaStep);
                                }
                            }
                        }
                    }
                }
            }
        }
        finally { GemmWorkspace.Return(work); }
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

    private static int RoundUp(int x, int to) => (x + to - 1) / to * to;
    private static int CeilDiv(int x, int by) => (x + by - 1) / by;

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
