// Helpers for SAE tests: hand-sized SAEs from literal weights, seeded random SAEs for the tiny model, the fixture
// path, a temp folder, and closeness assertions with the tolerance named by the caller.
using Interp.Models;
using Interp.Tensors;

namespace Interp.Dictionaries.Tests;

public static class TestSupport
{
    public static string FixtureDir(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>A fresh gpt2-tiny (2 layers, d_model 64, 4 heads, d_mlp 256, vocab 101) per call: test classes run in
    /// parallel, and splices attached to a shared model would leak into each other's runs.</summary>
    public static HookedTransformer Gpt2Tiny() => ModelLoader.Load(FixtureDir("gpt2-tiny"));

    public static SaeConfig Cfg(string arch, int dIn, int dSae, double? k = null, bool applyBDec = true, string hook = "blocks.0.hook_resid_post") =>
        new() { Architecture = arch, DIn = dIn, DSae = dSae, K = k, ApplyBDecToInput = applyBDec, HookName = hook, ModelName = "gpt2-tiny" };

    /// <summary>An SAE from row-major literal weights (F64 when <paramref name="dtype"/> says so).</summary>
    public static Sae Make(SaeConfig cfg, double[] wEnc, double[] bEnc, double[] wDec, double[] bDec, double[]? threshold = null, DType dtype = DType.F32) =>
        new(cfg, T(wEnc, dtype, cfg.DIn, cfg.DSae), T(bEnc, dtype, cfg.DSae), T(wDec, dtype, cfg.DSae, cfg.DIn), T(bDec, dtype, cfg.DIn),
            threshold is null ? null : T(threshold, dtype, cfg.DSae));

    /// <summary>A seeded random SAE: W_enc ~ N(0, 1/d_in), W_dec ~ N(0, 1/d_sae), biases ~ N(0, 0.1²); thresholds 0.05.</summary>
    public static Sae Random(SaeConfig cfg, ulong seed, DType dtype = DType.F32)
    {
        var rng = new Rng(seed);
        Tensor? th = null;
        if (cfg.Architecture is "jumprelu" or "batchtopk") { th = Tensor.Zeros(DType.F64, cfg.DSae); Array.Fill(th.Data<double>(), 0.05); th = To(th, dtype); }
        return new Sae(cfg, rng.Normal(new[] { cfg.DIn, cfg.DSae }, 0, 1 / Math.Sqrt(cfg.DIn), dtype), rng.Normal(new[] { cfg.DSae }, 0, 0.1, dtype),
            rng.Normal(new[] { cfg.DSae, cfg.DIn }, 0, 1 / Math.Sqrt(cfg.DSae), dtype), rng.Normal(new[] { cfg.DIn }, 0, 0.1, dtype), th);
    }

    public static Tensor T(double[] v, DType dtype, params int[] shape) =>
        dtype == DType.F64 ? Tensor.FromArray((double[])v.Clone(), shape) : Tensor.FromArray(Array.ConvertAll(v, x => (float)x), shape);

    private static Tensor To(Tensor t, DType d) { if (t.DType == d) return t; var c = t.To(d); t.Dispose(); return c; }

    public static double[] D(Tensor t) => t.DType == DType.F64 ? t.ToArray<double>() : Array.ConvertAll(t.ToArray(), x => (double)x);

    public static Tensor Ids(params long[][] rows)
    {
        var flat = rows.SelectMany(r => r).ToArray();
        return Tensor.FromArray(flat, rows.Length, rows[0].Length);
    }

    public static void Close(double[] expected, Tensor actual, double tol, string what) => Close(expected, D(actual), tol, what);

    public static void Close(double[] expected, double[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs(expected[i] - actual[i]);
            if (!(d <= tol)) Assert.Fail($"{what}[{i}]: expected {expected[i]:G9}, got {actual[i]:G9} (|diff| {d:E2} > {tol:E2})");
        }
    }

    /// <summary>Max |a - b| over two equal-shape tensors.</summary>
    public static double MaxDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.Shape, b.Shape);
        var x = D(a); var y = D(b);
        double m = 0;
        for (int i = 0; i < x.Length; i++) m = Math.Max(m, Math.Abs(x[i] - y[i]));
        return m;
    }
}

/// <summary>A fresh temp folder, deleted on Dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "interp-sae-" + Guid.NewGuid().ToString("N"));
    public TempDir() => Directory.CreateDirectory(Path);
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public string Sub(string name) { var p = System.IO.Path.Combine(Path, name); Directory.CreateDirectory(p); return p; }
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
