// Finite-difference gradient checking in float64: the analytic gradient of sum(f(x) * r), for a fixed
// random r, must match central differences for every element of every input.
using Interp.Tensors;

namespace Interp.Tensors.Tests;

public static class GradCheck
{
    /// <summary>Central-difference step: small enough for curvature error ~eps², large enough for rounding ~1e-16/eps.</summary>
    public const double Eps = 1e-6;
    /// <summary>float64 analytic vs numeric agreement; errors of ~1e-9 are expected from eps choice above.</summary>
    public const double Tol = 1e-6;

    /// <summary>Random F64 tensor with values in [lo, hi).</summary>
    public static Tensor Rand(Random rng, double lo, double hi, params int[] shape)
    {
        var d = new double[ShapeUtil.Numel(shape)];
        for (int i = 0; i < d.Length; i++) d[i] = lo + (hi - lo) * rng.NextDouble();
        return Tensor.FromArray(d, shape);
    }

    /// <summary>Checks d/dx of sum(f(inputs) * r) for each input with RequiresGrad; returns the max abs error.</summary>
    public static double Check(Func<Tensor[], Tensor> f, Tensor[] inputs, int seed = 1, double tol = Tol)
    {
        foreach (var x in inputs) if (DTypeInfo.IsFloat(x.DType)) x.RequiresGrad = true;
        var rng = new Random(seed);
        var y = f(inputs);
        Assert.Equal(DType.F64, y.DType);
        var r = Rand(rng, -1, 1, y.Shape);
        y.Backward(r);
        double worst = 0;
        for (int xi = 0; xi < inputs.Length; xi++)
        {
            var x = inputs[xi];
            if (!x.RequiresGrad) continue;
            Assert.NotNull(x.Grad);
            var analytic = x.Grad!.ToArray<double>();
            var data = x.Data<double>();
            Assert.True(x.IsContiguous && x.Offset == 0, "grad-check leaves must be contiguous; build views inside f");
            for (int i = 0; i < x.Numel; i++)
            {
                double orig = data[i];
                data[i] = orig + Eps; double lp = Objective(f, inputs, r);
                data[i] = orig - Eps; double lm = Objective(f, inputs, r);
                data[i] = orig;
                double numeric = (lp - lm) / (2 * Eps);
                double err = Math.Abs(numeric - analytic[i]);
                double scale = Math.Max(1.0, Math.Abs(numeric));
                worst = Math.Max(worst, err / scale);
                if (err > tol * scale)
                    Assert.Fail($"input {xi} element {i}: analytic {analytic[i]:G10} vs numeric {numeric:G10} (|diff| {err:E2} > {tol * scale:E2})");
            }
        }
        return worst;
    }

    private static double Objective(Func<Tensor[], Tensor> f, Tensor[] inputs, Tensor r)
    {
        using (Tensor.NoGrad())
        {
            var y = f(inputs).ToArray<double>();
            var rr = r.ToArray<double>();
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += y[i] * rr[i];
            return s;
        }
    }

    /// <summary>Elementwise closeness with a named absolute tolerance.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double atol, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs((double)expected[i] - actual[i]);
            if (!(d <= atol)) Assert.Fail($"{what}[{i}]: expected {expected[i]:G9}, got {actual[i]:G9} (|diff| {d:E2} > {atol:E2})");
        }
    }
}
