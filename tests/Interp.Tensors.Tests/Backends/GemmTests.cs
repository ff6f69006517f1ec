// The blocked managed SGEMM against the naive reference (in float64) on ragged sizes, every transpose combo,
// padded leading dimensions, alpha/beta, NaN-filled C with beta = 0, both micro-kernels; OpenBLAS agreement
// when the library is present; MatMul through the managed backend; bad arguments.
using Interp.Tensors;
using Xunit.Abstractions;
using Kind = Interp.Tensors.ManagedGemm.KernelKind;

namespace Interp.Tensors.Tests.Backends;

public unsafe class GemmTests(ITestOutputHelper output)
{
    /// <summary>
    /// Allowed |C - C_ref| per element, as a multiple of |alpha|·Σ_p |a_ip||b_pj| + |beta|·|c_ij|: float32 GEMMs sum
    /// in a different order (blocking, FMA, vector lanes), so each result may differ by up to ~k rounding errors of
    /// 2^-24; 4·(k+2)·2^-24 bounds that with margin, while an indexing bug gives errors of order 1.
    /// </summary>
    private static double Tol(int k) => 4.0 * (k + 2) * Math.Pow(2, -24);

    /// <summary>Both micro-kernels, by name (theory parameters must be public types).</summary>
    public static IEnumerable<object[]> Kernels() => new[] { new object[] { "Avx512" }, new object[] { "Avx2" } };

    private static Kind Parse(string kernel) => Enum.Parse<Kind>(kernel);

    private sealed record Case(bool TA, bool TB, int M, int N, int K, int Lda, int Ldb, int Ldc, float[] A, float[] B, float[] C0, float Alpha, float Beta);

    private static Case MakeCase(Random rng, bool ta, bool tb, int m, int n, int k, int pad, float alpha, float beta, bool nanC = false)
    {
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        float[] Fill(int len) { var x = new float[Math.Max(len, 1)]; for (int i = 0; i < x.Length; i++) x[i] = rng.NextSingle() * 2 - 1; return x; }
        var a = Fill((ta ? k : m) * lda);
        var b = Fill((tb ? n : k) * ldb);
        var c = Fill(m * ldc);
        if (nanC) Array.Fill(c, float.NaN);
        return new Case(ta, tb, m, n, k, lda, ldb, ldc, a, b, c, alpha, beta);
    }

    private static float[] RunManaged(Kind kernel, Case t) => RunManaged(kernel, ManagedGemm.MC, ManagedGemm.KC, ManagedGemm.NC, t);

    private static float[] RunManaged(Kind kernel, int mc, int kc, int nc, Case t)
    {
        var c = (float[])t.C0.Clone();
        fixed (float* pa = t.A) fixed (float* pb = t.B) fixed (float* pc = c)
            ManagedGemm.Sgemm(kernel, mc, kc, nc, t.TA, t.TB, t.M, t.N, t.K, t.Alpha, pa, t.Lda, pb, t.Ldb, t.Beta, pc, t.Ldc);
        return c;
    }

    /// <summary>Checks every element of the m×n result (and that padding columns of C are untouched).</summary>
    private static void AssertMatchesReference(Case t, float[] c, string label)
    {
        // The oracle: GemmReference's triple loop in float64, plus Σ|a||b| for the tolerance scale.
        var ad = Array.ConvertAll(t.A, x => (double)x);
        var bd = Array.ConvertAll(t.B, x => (double)x);
        var prod = new double[t.M * t.N];
        fixed (double* pa = ad) fixed (double* pb = bd) fixed (double* pp = prod)
            GemmReference.Gemm(t.TA, t.TB, t.M, t.N, t.K, 1.0, pa, t.Lda, pb, t.Ldb, 0.0, pp, t.N);
        var mag = new double[t.M * t.N];
        for (int i = 0; i < t.M; i++)
            for (int p = 0; p < t.K; p++)
            {
                double av = Math.Abs(t.TA ? ad[p * t.Lda + i] : ad[i * t.Lda + p]);
                for (int j = 0; j < t.N; j++) mag[i * t.N + j] += av * Math.Abs(t.TB ? bd[j * t.Ldb + p] : bd[p * t.Ldb + j]);
            }
        double tol = Tol(t.K);
        for (int i = 0; i < t.M; i++)
        {
            for (int j = 0; j < t.N; j++)
            {
                double c0 = t.C0[i * t.Ldc + j];
                double expect = t.Alpha * prod[i * t.N + j] + (t.Beta == 0 ? 0 : t.Beta * c0);
                double scale = Math.Abs(t.Alpha) * mag[i * t.N + j] + (t.Beta == 0 ? 0 : Math.Abs(t.Beta * c0)) + 1e-30;
                double got = c[i * t.Ldc + j];
                if (!(Math.Abs(got - expect) <= tol * scale))
                    Assert.Fail($"{label}: C[{i},{j}] = {got}, expected {expect} (tolerance {tol * scale:g3}); m={t.M} n={t.N} k={t.K} transA={t.TA} transB={t.TB} lda={t.Lda} ldb={t.Ldb} ldc={t.Ldc}");
            }
            for (int j = t.N; j < t.Ldc && i * t.Ldc + j < c.Length; j++)
                Assert.True(c[i * t.Ldc + j].Equals(t.C0[i * t.Ldc + j]), $"{label}: padding C[{i},{j}] was written");
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Sgemm_RaggedSizesAllTransposes_MatchesReference(string kernelName)
    {
        var kernel = Parse(kernelName);
        var rng = new Random(11);
        int[][] sizes =
        {
            new[] { 1, 1, 1 }, new[] { 1, 70, 3 }, new[] { 13, 33, 17 }, new[] { 12, 32, 64 }, new[] { 6, 16, 5 },
            new[] { 25, 65, 257 }, new[] { 70, 69, 68 }, new[] { 37, 1, 40 }, new[] { 2, 47, 300 },
        };
        foreach (var s in sizes)
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    var t = MakeCase(rng, ta, tb, s[0], s[1], s[2], pad: 3, alpha: 1.5f, beta: -0.75f);
                    AssertMatchesReference(t, RunManaged(kernel, t), $"{kernel}");
                }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Sgemm_RandomSmallShapes_MatchesReference(string kernelName)
    {
        var kernel = Parse(kernelName);
        var rng = new Random(23);
        for (int trial = 0; trial < 60; trial++)
        {
            int m = rng.Next(1, 71), n = rng.Next(1, 71), k = rng.Next(1, 71);
            var t = MakeCase(rng, rng.Next(2) == 1, rng.Next(2) == 1, m, n, k, pad: rng.Next(0, 5),
                alpha: rng.Next(3) == 0 ? 1f : rng.NextSingle() * 4 - 2, beta: rng.Next(3) switch { 0 => 0f, 1 => 1f, _ => rng.NextSingle() * 2 - 1 });
            AssertMatchesReference(t, RunManaged(kernel, t), $"{kernel} trial {trial}");
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Sgemm_HundredsMultiThreaded_MatchesReference(string kernelName)
    {
        // Over ManagedGemm.ParallelMinMacs (4e6) multiply-adds each, so these run split over threads: by rows
        // (200×80, 197×80, 150×110) and by column panels (5×3100, which also crosses NC = 2048).
        var kernel = Parse(kernelName);
        var rng = new Random(31);
        foreach (var (m, n, k, ta, tb) in new[] { (200, 80, 260, false, false), (197, 80, 270, true, true), (5, 3100, 260, false, true), (150, 110, 260, true, false) })
        {
            var t = MakeCase(rng, ta, tb, m, n, k, pad: 5, alpha: 0.5f, beta: 2f);
            AssertMatchesReference(t, RunManaged(kernel, t), $"{kernel}");
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Sgemm_TinyCacheBlocks_CrossesEveryBlockEdge(string kernelName)
    {
        // Blocks of MC 24 / KC 16 / NC 64 make sizes of ~100 cross every loop boundary, including uneven
        // depth chunks that accumulate onto C with beta applied only once.
        var kernel = Parse(kernelName);
        var rng = new Random(37);
        foreach (var (m, n, k) in new[] { (100, 130, 50), (25, 65, 33), (49, 200, 17) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    var t = MakeCase(rng, ta, tb, m, n, k, pad: 2, alpha: -1.25f, beta: 0.5f);
                    AssertMatchesReference(t, RunManaged(kernel, 24, 16, 64, t), $"{kernel} tiny blocks");
                    var z = MakeCase(rng, ta, tb, m, n, k, pad: 2, alpha: 1f, beta: 0f, nanC: true);
                    AssertMatchesReference(z, RunManaged(kernel, 24, 16, 64, z), $"{kernel} tiny blocks, NaN C");
                }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Sgemm_BetaZeroWithNaNInC_IgnoresOldC(string kernelName)
    {
        var kernel = Parse(kernelName);
        var rng = new Random(41);
        foreach (var (m, n, k) in new[] { (12, 32, 9), (29, 45, 300), (3, 5, 7) })
        {
            var t = MakeCase(rng, false, true, m, n, k, pad: 2, alpha: 1f, beta: 0f, nanC: true);
            var c = RunManaged(kernel, t);
            AssertMatchesReference(t, c, $"{kernel} NaN C");
        }
    }

    [Fact]
    public void Sgemm_FewRowsUnpackedPath_MatchesReference()
    {
        // m <= GemmSmall.MaxRows skips packing; n = 1100 crosses its 1024-column strip, n·k large enough to split.
        var rng = new Random(43);
        for (int m = 1; m <= GemmSmall.MaxRows; m++)
            foreach (var (n, k) in new[] { (1100, 40), (7, 300), (33, 1) })
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                    {
                        var t = MakeCase(rng, ta, tb, m, n, k, pad: 3, alpha: 0.75f, beta: -1.5f);
                        AssertMatchesReference(t, RunManaged(ManagedGemm.Kernel, t), "few rows");
                        var z = MakeCase(rng, ta, tb, m, n, k, pad: 3, alpha: 2f, beta: 0f, nanC: true);
                        AssertMatchesReference(z, RunManaged(ManagedGemm.Kernel, z), "few rows, NaN C");
                    }
    }

    [Fact]
    public void Sgemm_KZeroOrAlphaZero_ScalesCByBeta()
    {
        var a = new float[] { float.NaN, float.NaN, float.NaN, float.NaN };
        var c = new float[] { 1, 2, 3, 4 };
        fixed (float* pa = a) fixed (float* pc = c)
        {
            ManagedGemm.Sgemm(false, false, 2, 2, 2, 0f, pa, 2, pa, 2, 3f, pc, 2);   // alpha = 0: C = 3·C, A·B not read
            Assert.Equal(new float[] { 3, 6, 9, 12 }, c);
            ManagedGemm.Sgemm(false, false, 2, 2, 0, 1f, pa, 1, pa, 2, 0f, pc, 2);   // k = 0, beta = 0: C = 0
            Assert.Equal(new float[] { 0, 0, 0, 0 }, c);
        }
    }

    [Fact]
    public void Sgemm_HandComputed2x3x2_MatchesHandResult()
    {
        // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154]; alpha 2, beta 1 over C = 1.
        var a = new float[] { 1, 2, 3, 4, 5, 6 };
        var b = new float[] { 7, 8, 9, 10, 11, 12 };
        var c = new float[] { 1, 1, 1, 1 };
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
            ManagedGemm.Sgemm(false, false, 2, 2, 3, 2f, pa, 3, pb, 2, 1f, pc, 2);
        Assert.Equal(new float[] { 117, 129, 279, 309 }, c);
    }

    [Fact]
    public void Sgemm_LeadingDimensionTooSmall_ThrowsNamingIt()
    {
        var x = new float[64];
        fixed (float* p = x)
        {
            float* q = p;
            var ex = Assert.Throws<ArgumentException>(() => ManagedGemm.Sgemm(false, false, 4, 4, 4, 1f, q, 3, q, 4, 0f, q, 4));
            Assert.Contains("lda=3 (need >= 4)", ex.Message);
            ex = Assert.Throws<ArgumentException>(() => ManagedGemm.Sgemm(false, true, 4, 5, 4, 1f, q, 4, q, 4, 0f, q, 4));
            Assert.Contains("ldc=4 (need >= 5)", ex.Message);
        }
    }

    [Fact]
    public void Sgemm_OpenBlasAvailable_AgreesWithManaged()
    {
        var blas = Backend.OpenBlas;
        if (blas is null)
        {
            // Not a pass on merit: there is nothing to compare against on this machine.
            output.WriteLine("COULD NOT COMPARE: OpenBLAS (libopenblas.so.0) is not installed; only managed-vs-reference was checked.");
            return;
        }
        output.WriteLine($"comparing managed against {blas.Name}");
        var rng = new Random(53);
        foreach (var (m, n, k, ta, tb) in new[] { (65, 130, 97, false, false), (33, 64, 200, true, false), (128, 77, 31, false, true), (7, 300, 64, true, true) })
        {
            var t = MakeCase(rng, ta, tb, m, n, k, pad: 1, alpha: 1.25f, beta: 0.5f);
            var c = (float[])t.C0.Clone();
            fixed (float* pa = t.A) fixed (float* pb = t.B) fixed (float* pc = c)
                blas.Gemm(t.TA, t.TB, t.M, t.N, t.K, t.Alpha, pa, t.Lda, pb, t.Ldb, t.Beta, pc, t.Ldc);
            AssertMatchesReference(t, c, "openblas");
            AssertMatchesReference(t, RunManaged(ManagedGemm.Kernel, t), "managed");
        }
    }

    [Fact]
    public void MatMul_ManagedBackendTransposedViews_MatchesReference()
    {
        var rng = new Random(61);
        var a = MakeCase(rng, true, false, 40, 50, 90, pad: 0, alpha: 1f, beta: 0f);
        using var ta = Tensor.FromArray(a.A, 90, 40);  // stored [k, m]; used as its transpose
        using var tb = Tensor.FromArray(a.B, 90, 50);  // [k, n]
        using (Backend.Use(Backend.Managed))
        {
            using var y = TensorOps.MatMul(ta.T, tb); // [m, n]
            AssertMatchesReference(a, y.ToArray(), "MatMul managed");
        }
    }
}
