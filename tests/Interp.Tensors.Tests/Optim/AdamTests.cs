// Adam and AdamW against arithmetic written out by hand (one and two steps on a 3-element parameter),
// a plain scalar reference for longer runs (F32 SIMD path + tail), state save/load through a
// safetensors file, and the argument/shape checks.
using Interp.Tensors.IO;
using Interp.Tensors.Optim;

namespace Interp.Tensors.Tests.Optim;

public class AdamTests
{
    /// <summary>F64 updates vs hand arithmetic: only rounding-order differences (~1e-16 relative) are expected.</summary>
    private const double TolF64 = 1e-13;
    /// <summary>F32 updates vs a double reference: float32 rounding of ~5 steps on O(1) values.</summary>
    private const double TolF32 = 2e-6;

    private static readonly double[] P0 = { 1.0, -2.0, 0.5 };
    private static readonly double[] G1 = { 0.1, -0.2, 0.3 };
    private static readonly double[] G2 = { -0.05, 0.4, 0.3 };

    private static Tensor Param(double[] v) => Tensor.FromArray((double[])v.Clone()).RequireGrad();
    private static void SetGrad(Tensor p, double[] g) => p.Grad = Tensor.FromArray((double[])g.Clone());

    [Fact]
    public void Adam_OneStep_MatchesHandArithmetic()
    {
        var p = Param(P0);
        var opt = new Adam(new[] { p }, lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8);
        SetGrad(p, G1);
        opt.Step();
        // Step 1, element 0: m = (1-0.9)·0.1 = 0.01, v = (1-0.999)·0.1² = 1e-5,
        // m̂ = 0.01/(1-0.9) = 0.1, v̂ = 1e-5/(1-0.999) = 0.01, p = 1 - 0.1·0.1/(√0.01 + 1e-8).
        double e0 = 1.0 - 0.1 * (0.01 / 0.1) / (Math.Sqrt(1e-5 / 0.001) + 1e-8);
        // element 1: g = -0.2 -> m = -0.02, v = 4e-5, m̂ = -0.2, v̂ = 0.04
        double e1 = -2.0 - 0.1 * (-0.02 / 0.1) / (Math.Sqrt(4e-5 / 0.001) + 1e-8);
        // element 2: g = 0.3 -> m = 0.03, v = 9e-5, m̂ = 0.3, v̂ = 0.09
        double e2 = 0.5 - 0.1 * (0.03 / 0.1) / (Math.Sqrt(9e-5 / 0.001) + 1e-8);
        AssertClose(new[] { e0, e1, e2 }, p.ToArray<double>(), TolF64);
        Assert.Equal(1, opt.StepCount(0));
    }

    [Fact]
    public void Adam_TwoSteps_MatchHandArithmetic()
    {
        var p = Param(P0);
        var opt = new Adam(new[] { p }, lr: 0.1);
        SetGrad(p, G1); opt.Step();
        SetGrad(p, G2); opt.Step();
        // Element 0 by hand: after step 1 p = 0.900000009999999 (above), m = 0.01, v = 1e-5.
        double p1 = 1.0 - 0.1 * 0.1 / (0.1 + 1e-8);
        double m2 = 0.9 * 0.01 + 0.1 * -0.05;                   // 0.004
        double v2 = 0.999 * 1e-5 + 0.001 * 0.0025;              // 1.2490e-5
        double mh = m2 / (1 - 0.9 * 0.9), vh = v2 / (1 - 0.999 * 0.999);
        double e0 = p1 - 0.1 * mh / (Math.Sqrt(vh) + 1e-8);
        Assert.Equal(e0, p.ToArray<double>()[0], TolF64);
        // All elements against an independent (Python) evaluation of the same formulas.
        AssertClose(new[] { 0.8733663094033909, -1.9366103565460366, 0.30000000666666715 }, p.ToArray<double>(), TolF64);
    }

    [Fact]
    public void Adam_L2WeightDecay_AddsDecayTimesParamToGradient()
    {
        var p = Param(P0);
        var opt = new Adam(new[] { p }, lr: 0.1, weightDecay: 0.1);
        SetGrad(p, G1); opt.Step();
        // element 0: g' = 0.1 + 0.1·1.0 = 0.2; m̂ = 0.2, v̂ = 0.04 -> p = 1 - 0.1·0.2/(0.2 + 1e-8)
        Assert.Equal(1.0 - 0.1 * 0.2 / (0.2 + 1e-8), p.ToArray<double>()[0], TolF64);
        SetGrad(p, G2); opt.Step();
        AssertClose(new[] { 0.8196959125824109, -1.87528316883678, 0.3000860515057856 }, p.ToArray<double>(), TolF64);
    }

    [Fact]
    public void AdamW_DecoupledDecay_ShrinksParamThenAppliesAdam()
    {
        var p = Param(P0);
        var opt = new AdamW(new[] { p }, lr: 0.1, weightDecay: 0.1);
        SetGrad(p, G1); opt.Step();
        // element 0: p = 1.0·(1 - 0.1·0.1) = 0.99, then the plain Adam step of 0.1·0.1/(0.1 + 1e-8).
        Assert.Equal(0.99 - 0.1 * 0.1 / (0.1 + 1e-8), p.ToArray<double>()[0], TolF64);
        SetGrad(p, G2); opt.Step();
        AssertClose(new[] { 0.8544663093033908, -1.8978103564960367, 0.2910500066333338 }, p.ToArray<double>(), TolF64);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(37, false)]
    [InlineData(70, true)]
    public void Adam_F32ManySteps_MatchesScalarDoubleReference(int n, bool decoupled)
    {
        var rng = new Rng(n);
        var p0 = rng.Uniform(new[] { n }, -1, 1, DType.F64).ToArray<double>();
        var grads = Enumerable.Range(0, 5).Select(_ => rng.Normal(new[] { n }, dtype: DType.F64).ToArray<double>()).ToArray();
        var p = Tensor.FromArray(p0.Select(x => (float)x).ToArray()).RequireGrad();
        IOptimizer opt = decoupled ? new AdamW(new[] { p }, lr: 0.05, weightDecay: 0.2) : new Adam(new[] { p }, lr: 0.05, weightDecay: 0.2);
        foreach (var g in grads) { p.Grad = Tensor.FromArray(g.Select(x => (float)x).ToArray()); opt.Step(); }
        var expect = Reference(p0.Select(x => (double)(float)x).ToArray(), grads.Select(g => g.Select(x => (double)(float)x).ToArray()).ToArray(), 0.05, 0.9, 0.999, 1e-8, 0.2, decoupled);
        AssertClose(expect, p.ToArray().Select(x => (double)x).ToArray(), TolF32);
    }

    [Fact]
    public void Step_ParamWithoutGrad_IsSkipped_AndOffsetParamUpdatesOnlyItsElements()
    {
        var a = Param(P0);
        var big = Tensor.FromArray(new double[] { 9, 9, 1, -2, 0.5, 9 }, 6);
        var view = big.Narrow(0, 2, 3).RequireGrad(); // contiguous, offset 2
        var opt = new Adam(new[] { a, view }, lr: 0.1);
        SetGrad(view, G1);
        opt.Step();
        Assert.Equal(P0, a.ToArray<double>());
        Assert.Equal(0, opt.StepCount(0));
        var b = big.ToArray<double>();
        Assert.Equal(new double[] { 9, 9 }, b[..2]);
        Assert.Equal(9, b[5]);
        Assert.Equal(1.0 - 0.1 * 0.1 / (0.1 + 1e-8), b[2], TolF64);
    }

    [Fact]
    public void ZeroGrad_ClearsEveryGrad()
    {
        var a = Param(P0); var b = Param(G1);
        SetGrad(a, G1); SetGrad(b, G2);
        new Adam(new[] { a, b }).ZeroGrad();
        Assert.Null(a.Grad); Assert.Null(b.Grad);
    }

    [Fact]
    public void SaveLoadState_ThroughSafetensors_ContinuesExactlyLikeUninterrupted()
    {
        var rng = new Rng(4);
        var w0 = rng.Normal(new[] { 3, 4 }).ToArray(); var b0 = rng.Normal(new[] { 4 }).ToArray();
        var grads = Enumerable.Range(0, 6).Select(_ => (rng.Normal(new[] { 3, 4 }).ToArray(), rng.Normal(new[] { 4 }).ToArray())).ToArray();

        (Tensor w, Tensor b) Fresh() => (Tensor.FromArray((float[])w0.Clone(), 3, 4).RequireGrad(), Tensor.FromArray((float[])b0.Clone()).RequireGrad());
        void Run(AdamW opt, Tensor w, Tensor b, int from, int to)
        {
            for (int s = from; s < to; s++) { w.Grad = Tensor.FromArray((float[])grads[s].Item1.Clone(), 3, 4); b.Grad = Tensor.FromArray((float[])grads[s].Item2.Clone()); opt.Step(); }
        }

        var (w1, b1) = Fresh();
        var straight = new AdamW(new[] { w1, b1 }, lr: 0.01);
        Run(straight, w1, b1, 0, 6);

        var (w2, b2) = Fresh();
        var first = new AdamW(new[] { w2, b2 }, lr: 0.01);
        Run(first, w2, b2, 0, 3);
        using var dir = new IO.TempDir();
        string ck = dir.File("opt.safetensors");
        SafetensorsWriter.Write(ck, first.GetState());
        SafetensorsWriter.Write(dir.File("params.safetensors"), new[] { ("w", w2), ("b", b2) });

        using var f = SafetensorsFile.Open(ck);
        using var pf = SafetensorsFile.Open(dir.File("params.safetensors"));
        var w3 = pf.Load("w").RequireGrad(); var b3 = pf.Load("b").RequireGrad();
        var resumed = new AdamW(new[] { w3, b3 }, lr: 0.01);
        resumed.LoadState(f.Names.ToDictionary(n => n, n => f.Load(n)));
        Assert.Equal(3, resumed.StepCount(1));
        Run(resumed, w3, b3, 3, 6);
        Assert.Equal(w1.ToArray(), w3.ToArray());
        Assert.Equal(b1.ToArray(), b3.ToArray());
    }

    [Fact]
    public void LoadState_WrongShapeMissingPieceOrStrayKey_Throws()
    {
        var p = Param(P0);
        var opt = new Adam(new[] { p });
        SetGrad(p, G1); opt.Step();
        var good = opt.GetState();
        Assert.Equal(new[] { "param.0.exp_avg", "param.0.exp_avg_sq", "param.0.step" }, good.Keys.OrderBy(k => k, StringComparer.Ordinal));

        var other = new Adam(new[] { Param(new double[] { 1, 2 }) });
        Assert.Contains("another model", Assert.Throws<ArgumentException>(() => other.LoadState(good)).Message);
        var partial = good.Where(kv => kv.Key != "param.0.exp_avg_sq").ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Contains("incomplete", Assert.Throws<ArgumentException>(() => opt.LoadState(partial)).Message);
        var stray = good.ToDictionary(kv => kv.Key, kv => kv.Value);
        stray["param.5.step"] = Tensor.ScalarOf(1L);
        Assert.Contains("param.5.step", Assert.Throws<ArgumentException>(() => opt.LoadState(stray)).Message);
    }

    [Fact]
    public void Construct_NonContiguousDuplicateOrIntegerParam_ThrowsClearly()
    {
        var m = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Contains("not contiguous", Assert.Throws<ArgumentException>(() => new Adam(new[] { m.Transpose(0, 1) })).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => new Adam(new[] { m, m })).Message);
        Assert.Contains("I64", Assert.Throws<ArgumentException>(() => new Adam(new[] { Tensor.Zeros(DType.I64, 2) })).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(new[] { m }, beta1: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(new[] { m }, lr: -1));
    }

    [Fact]
    public void Step_GradShapeMismatch_ThrowsNamingBothShapes()
    {
        var p = Param(P0);
        p.Grad = Tensor.FromArray(new double[] { 1, 2 });
        var ex = Assert.Throws<InvalidOperationException>(() => new Adam(new[] { p }).Step());
        Assert.Contains("[3]", ex.Message);
        Assert.Contains("[2]", ex.Message);
    }

    /// <summary>Textbook Adam/AdamW in scalar double arithmetic.</summary>
    private static double[] Reference(double[] p0, double[][] grads, double lr, double b1, double b2, double eps, double wd, bool decoupled)
    {
        var p = (double[])p0.Clone();
        var m = new double[p.Length]; var v = new double[p.Length];
        for (int t = 1; t <= grads.Length; t++)
            for (int i = 0; i < p.Length; i++)
            {
                double g = grads[t - 1][i];
                if (decoupled) p[i] *= 1 - lr * wd; else g += wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mh = m[i] / (1 - Math.Pow(b1, t)), vh = v[i] / (1 - Math.Pow(b2, t));
                p[i] -= lr * mh / (Math.Sqrt(vh) + eps);
            }
        return p;
    }

    private static void AssertClose(double[] expected, double[] actual, double tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"[{i}]: expected {expected[i]:R}, got {actual[i]:R} (|diff| {Math.Abs(expected[i] - actual[i]):E2} > {tol:E0})");
    }
}
