using Interp.Tensors;

namespace Interp.Tensors.Tests.Ops;

public class LossTests
{
    /// <summary>float64 loss vs a hand/double formula: only rounding of a few exp/log calls.</summary>
    private const double F64Tol = 1e-13;

    [Fact]
    public void CrossEntropy_HandComputed_WithIgnoreIndex()
    {
        var logits = Tensor.FromArray(new double[] { 1, 2, 3, 1, 1, 1, 5, 0, 0 }, 3, 3);
        var targets = Tensor.FromArray(new long[] { 2, 0, -100 }, 3);
        double lse0 = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3));
        double expected = ((lse0 - 3) + Math.Log(3)) / 2;   // row 2 ignored: mean over 2 rows
        Assert.Equal(expected, TensorOps.CrossEntropy(logits, targets).ItemDouble(), F64Tol);
        Assert.Empty(TensorOps.CrossEntropy(logits, targets).Shape);
        // A custom ignore index, and I32 targets.
        var t32 = Tensor.FromArray(new int[] { 2, 7, 1 }, 3);
        double lse2 = Math.Log(Math.Exp(5) + 2);
        Assert.Equal(((lse0 - 3) + (lse2 - 0)) / 2, TensorOps.CrossEntropy(logits, t32, ignoreIndex: 7).ItemDouble(), F64Tol);
    }

    [Fact]
    public void CrossEntropy_Gradient_IsSoftmaxMinusOneHotOverCount_IgnoredRowsZero()
    {
        var logits = Tensor.FromArray(new double[] { 0, 0, 1, 2 }, 2, 2).RequireGrad();
        var loss = TensorOps.CrossEntropy(logits, Tensor.FromArray(new long[] { 1, -100 }, 2));
        loss.Backward();
        var g = logits.Grad!.ToArray<double>();
        Assert.Equal(new[] { 0.5, -0.5, 0, 0 }, g);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 7)]
    [InlineData(9, 70)]
    public void CrossEntropy_RandomShapes_GradientsMatchFiniteDifferences(int n, int c)
    {
        var rng = new Random(n * 31 + c);
        var t = new long[n];
        for (int i = 0; i < n; i++) t[i] = i % 3 == 1 ? -100 : rng.Next(c);
        if (n == 1) t[0] = 0;
        var targets = Tensor.FromArray(t, n);
        GradCheck.Check(x => TensorOps.CrossEntropy(x[0], targets), new[] { GradCheck.Rand(rng, -4, 4, n, c) });
        // Non-contiguous logits: a transposed view of a [c, n] leaf.
        GradCheck.Check(x => TensorOps.CrossEntropy(x[0].Transpose(0, 1), targets), new[] { GradCheck.Rand(rng, -4, 4, c, n) });
    }

    [Fact]
    public void CrossEntropy_MatchesComposedLogSoftmax_AndIsStableForHugeLogits()
    {
        var rng = new Random(44);
        var x = GradCheck.Rand(rng, -3, 3, 6, 10);
        var t = new long[] { 3, 9, 0, -100, 5, 5 };
        var lp = TensorOps.LogSoftmax(x).ToArray<double>();
        double expected = 0; int count = 0;
        for (int i = 0; i < 6; i++) if (t[i] >= 0) { expected -= lp[i * 10 + (int)t[i]]; count++; }
        Assert.Equal(expected / count, TensorOps.CrossEntropy(x, Tensor.FromArray(t, 6)).ItemDouble(), F64Tol);
        // float32 logits around 100 overflow exp (max ~88.7) without the max shift; the loss keeps float32's
        // absolute precision at 100 (ulp 7.6e-6), so allow a few ulps there.
        const double ulpsAt100 = 3e-5;
        var big = Tensor.FromArray(new float[] { 100, 101, -100 }, 1, 3);
        float l = TensorOps.CrossEntropy(big, Tensor.FromArray(new long[] { 0 }, 1)).Item();
        Assert.True(Math.Abs(l - Math.Log(1 + Math.E)) < ulpsAt100, $"loss {l}");
    }

    [Fact]
    public void CrossEntropy_AllRowsIgnored_IsNaNWithZeroGradient()
    {
        var logits = Tensor.FromArray(new double[] { 1, 2, 3, 4 }, 2, 2).RequireGrad();
        var loss = TensorOps.CrossEntropy(logits, Tensor.FromArray(new long[] { -100, -100 }, 2));
        Assert.True(double.IsNaN(loss.ItemDouble()));
        loss.Backward();
        Assert.Equal(new double[4], logits.Grad!.ToArray<double>());
    }

    [Fact]
    public void CrossEntropy_BadInput_ThrowsNamingTheProblem()
    {
        var logits = Tensor.Zeros(3, 4);
        var ex = Assert.Throws<ArgumentException>(() => TensorOps.CrossEntropy(logits, Tensor.FromArray(new long[] { 0, 4, 1 }, 3)));
        Assert.Contains("target 4 at row 1", ex.Message);
        Assert.Contains("0..3", ex.Message);
        Assert.Contains("target -1 at row 0", Assert.Throws<ArgumentException>(() => TensorOps.CrossEntropy(logits, Tensor.FromArray(new int[] { -1, 0, 0 }, 3))).Message);
        Assert.Contains("[N, C]", Assert.Throws<ArgumentException>(() => TensorOps.CrossEntropy(Tensor.Zeros(2, 3, 4), Tensor.FromArray(new long[] { 0, 0 }, 2))).Message);
        Assert.Contains("shape [3]", Assert.Throws<ArgumentException>(() => TensorOps.CrossEntropy(logits, Tensor.FromArray(new long[] { 0, 0 }, 2))).Message);
        Assert.Contains("I64 or I32", Assert.Throws<ArgumentException>(() => TensorOps.CrossEntropy(logits, Tensor.Zeros(3))).Message);
    }
}
