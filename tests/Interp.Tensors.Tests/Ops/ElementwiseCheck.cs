// Test helpers for elementwise ops: a fixed set of layouts (1..70 elements, rank 0..3, contiguous and
// transposed / narrowed / permuted views) for finite-difference grad checks, and float32-vs-float64 comparison.
using Interp.Tensors;

namespace Interp.Tensors.Tests.Ops;

internal static class ElementwiseCheck
{
    /// <summary>(leaf shape, view built inside the checked function). Element counts 1, 1, 7, 17, 36, 70, 35, 20, 24.</summary>
    public static readonly (int[] Leaf, Func<Tensor, Tensor> View)[] Layouts =
    {
        (Array.Empty<int>(), x => x),
        (new[] { 1 }, x => x),
        (new[] { 7 }, x => x),
        (new[] { 17 }, x => x),
        (new[] { 4, 9 }, x => x),
        (new[] { 70 }, x => x),
        (new[] { 5, 7 }, x => x.Transpose(0, 1)),
        (new[] { 4, 9 }, x => x.Narrow(1, 2, 5)),
        (new[] { 2, 3, 4 }, x => x.Permute(2, 0, 1)),
    };

    /// <summary>F64 tensor whose values come from <paramref name="sample"/>.</summary>
    public static Tensor From(Random rng, Func<Random, double> sample, int[] shape)
    {
        var d = new double[ShapeUtil.Numel(shape)];
        for (int i = 0; i < d.Length; i++) d[i] = sample(rng);
        return Tensor.FromArray(d, shape);
    }

    /// <summary>Uniform in [lo, hi) but at least <paramref name="gap"/> away from every kink (so central differences never straddle one).</summary>
    public static Func<Random, double> AwayFrom(double lo, double hi, double gap, params double[] kinks) => rng =>
    {
        while (true)
        {
            double v = lo + (hi - lo) * rng.NextDouble();
            if (kinks.All(k => Math.Abs(v - k) >= gap)) return v;
        }
    };

    public static Func<Random, double> Uniform(double lo, double hi) => rng => lo + (hi - lo) * rng.NextDouble();

    /// <summary>Grad-checks <paramref name="op"/> in float64 on every layout.</summary>
    public static void GradAllLayouts(Func<Tensor, Tensor> op, Func<Random, double> sample, int seed = 1)
    {
        var rng = new Random(seed);
        foreach (var (leaf, view) in Layouts)
        {
            var x = From(rng, sample, leaf);
            GradCheck.Check(t => op(view(t[0])), new[] { x }, seed);
        }
    }

    /// <summary>Runs op on the same values in F32 and F64 and asserts |y32 - y64| &lt;= atol + rtol·|y64| everywhere.</summary>
    public static void Float32MatchesFloat64(Func<Tensor, Tensor> op, double[] values, double rtol, double atol, string what)
    {
        var x32 = Tensor.FromArray(values.Select(v => (float)v).ToArray());
        // Compare against the op on the float32-rounded inputs so input rounding is not counted as op error.
        var x64r = Tensor.FromArray(values.Select(v => (double)(float)v).ToArray());
        var y32 = op(x32).ToArray<float>();
        var y64 = op(x64r).ToArray<double>();
        for (int i = 0; i < values.Length; i++)
        {
            double d = Math.Abs(y32[i] - y64[i]);
            if (!(d <= atol + rtol * Math.Abs(y64[i])) && !(double.IsNaN(y64[i]) && float.IsNaN(y32[i])))
                Assert.Fail($"{what}({(float)values[i]:G9}): float32 {y32[i]:G9} vs float64 {y64[i]:G17} (|diff| {d:E2})");
        }
    }

    /// <summary>n values evenly spread over [lo, hi] (both ends included).</summary>
    public static double[] Grid(double lo, double hi, int n) => Enumerable.Range(0, n).Select(i => lo + (hi - lo) * i / (n - 1)).ToArray();
}
