// Central finite differences in float64 against our autodiff: perturbs every element of each F64 leaf in place and
// compares (f(x+h) - f(x-h)) / 2h with the gradient Backward() left in it.
using Interp.Tensors;

namespace Interp.Dictionaries.Tests;

public static class FiniteDiff
{
    /// <summary>h = 1e-6 in float64: truncation error ~h²·f''' and rounding ~1e-16/h, both far below <paramref name="tol"/>.</summary>
    public static void Check(Func<Tensor> scalar, IReadOnlyList<(string name, Tensor leaf)> leaves, double tol = 1e-6, double h = 1e-6)
    {
        foreach (var (_, t) in leaves)
        {
            Assert.Equal(DType.F64, t.DType);
            Assert.True(t.IsContiguous && t.IsLeaf);
            t.RequiresGrad = true;
            t.Grad = null;
        }
        using (var y = scalar()) y.Backward();
        foreach (var (name, t) in leaves)
        {
            Assert.True(t.Grad is not null, $"{name}: no gradient reached it");
            var g = t.Grad!.ToArray<double>();
            var data = t.Data<double>();
            for (int i = 0; i < t.Numel; i++)
            {
                int at = t.Offset + i;
                double keep = data[at];
                data[at] = keep + h; double up = Eval(scalar);
                data[at] = keep - h; double down = Eval(scalar);
                data[at] = keep;
                double fd = (up - down) / (2 * h);
                double d = Math.Abs(fd - g[i]);
                if (!(d <= tol * Math.Max(1, Math.Abs(fd)))) Assert.Fail($"d/d{name}[{i}]: finite difference {fd:G10}, autodiff {g[i]:G10} (|diff| {d:E2})");
            }
            t.Grad = null;
            t.RequiresGrad = false;
        }
    }

    private static double Eval(Func<Tensor> scalar)
    {
        using var _ = Tensor.NoGrad();
        using var y = scalar();
        return y.ItemDouble();
    }
}
