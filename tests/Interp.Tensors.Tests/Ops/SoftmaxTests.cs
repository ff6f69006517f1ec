using Interp.Tensors;

namespace Interp.Tensors.Tests.Ops;

public class SoftmaxTests
{
    /// <summary>float32 probabilities vs a float64 reference: a few ulps of values ≤ 1.</summary>
    private const double F32Tol = 1e-6;
    /// <summary>float32 log-probabilities of magnitude up to ~10: a few ulps relative.</summary>
    private const double F32LogTol = 1e-5;

    public static TheoryData<int[], int> Shapes => new()
    {
        { new[] { 1 }, 0 },
        { new[] { 3, 70 }, -1 },
        { new[] { 3, 70 }, 0 },
        { new[] { 2, 3, 5 }, 1 },
        { new[] { 2, 1, 17 }, 1 },
        { new[] { 2, 2, 3, 4 }, -1 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SoftmaxLogSoftmax_RandomShapes_GradientsMatchFiniteDifferences(int[] shape, int axis)
    {
        var rng = new Random(3);
        GradCheck.Check(x => TensorOps.Softmax(x[0], axis), new[] { GradCheck.Rand(rng, -3, 3, shape) });
        GradCheck.Check(x => TensorOps.LogSoftmax(x[0], axis), new[] { GradCheck.Rand(rng, -3, 3, shape) });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void SoftmaxLogSoftmax_NonContiguousViews_GradientsMatchFiniteDifferences(int axis)
    {
        var rng = new Random(4);
        // [6, 4, 9] leaf seen as a permuted, narrowed [9, 6, 3] view.
        Func<Tensor, Tensor> view = v => v.Permute(2, 0, 1).Narrow(2, 1, 3);
        GradCheck.Check(x => TensorOps.Softmax(view(x[0]), axis), new[] { GradCheck.Rand(rng, -3, 3, 6, 4, 9) });
        GradCheck.Check(x => TensorOps.LogSoftmax(view(x[0]), axis), new[] { GradCheck.Rand(rng, -3, 3, 6, 4, 9) });
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SoftmaxLogSoftmax_Float32_MatchFloat64Reference(int[] shape, int axis)
    {
        var rng = new Random(8);
        var x64 = GradCheck.Rand(rng, -8, 8, shape);
        var x32 = Tensor.FromArray(x64.ToArray(), shape);
        var data = x64.ToArray<double>();
        var p = TensorOps.Softmax(x32, axis).ToArray();
        var lp = TensorOps.LogSoftmax(x32, axis).ToArray();
        var (ep, elp) = Reference(data, shape, axis);
        for (int i = 0; i < p.Length; i++)
        {
            Assert.True(Math.Abs(p[i] - ep[i]) <= F32Tol, $"softmax[{i}] {p[i]} vs {ep[i]}");
            Assert.True(Math.Abs(lp[i] - elp[i]) <= F32LogTol * Math.Max(1, Math.Abs(elp[i])), $"log_softmax[{i}] {lp[i]} vs {elp[i]}");
        }
    }

    [Fact]
    public void Softmax_HandComputed_AndStableForLargeInputs()
    {
        double z = 1 + Math.E + Math.E * Math.E;
        var p = TensorOps.Softmax(Tensor.FromArray(new double[] { 0, 1, 2 }, 3)).ToArray<double>();
        Assert.Equal(new[] { 1 / z, Math.E / z, Math.E * Math.E / z }, p, (a, b) => Math.Abs(a - b) < 1e-15);
        var lp = TensorOps.LogSoftmax(Tensor.FromArray(new double[] { 0, 1, 2 }, 3)).ToArray<double>();
        Assert.Equal(new[] { -Math.Log(z), 1 - Math.Log(z), 2 - Math.Log(z) }, lp, (a, b) => Math.Abs(a - b) < 1e-15);
        // exp(1000) overflows float32; subtracting the max keeps it exact: softmax(1000, 1001) = softmax(0, 1).
        var big = TensorOps.Softmax(Tensor.FromArray(new float[] { 1000, 1001 }, 2)).ToArray();
        Assert.Equal(1 / (1 + Math.E), big[0], 6);
        Assert.Equal(Math.E / (1 + Math.E), big[1], 6);
        var bigLog = TensorOps.LogSoftmax(Tensor.FromArray(new float[] { -1000, 1000 }, 2)).ToArray();
        Assert.Equal(-2000f, bigLog[0]);
        Assert.Equal(0f, bigLog[1]);
    }

    [Fact]
    public void Softmax_CausalMaskWithNegInf_ExactZerosRowsSumToOne_NoNaN()
    {
        // Attention scores [b=2, head=3, q=5, k=5] with -inf above the diagonal, as a causal mask makes them.
        var rng = new Random(11);
        int b = 2, h = 3, q = 5, k = 5;
        var s = new float[b * h * q * k];
        for (int i = 0; i < s.Length; i++)
        {
            int qi = i / k % q, ki = i % k;
            s[i] = ki > qi ? float.NegativeInfinity : (float)(rng.NextDouble() * 6 - 3);
        }
        var x = Tensor.FromArray(s, b, h, q, k).RequireGrad();
        var p = TensorOps.Softmax(x);
        var pv = p.ToArray();
        for (int row = 0; row < b * h * q; row++)
        {
            double sum = 0;
            for (int j = 0; j < k; j++)
            {
                float v = pv[row * k + j];
                Assert.False(float.IsNaN(v));
                if (j > row % q) Assert.Equal(0f, v);   // exactly zero, not a denormal
                sum += v;
            }
            Assert.True(Math.Abs(sum - 1) < 1e-6, $"row {row} sums to {sum}");
        }
        p.Backward(Tensor.Full(0.5f, b, h, q, k));
        Assert.All(x.Grad!.ToArray(), v => Assert.False(float.IsNaN(v)));
        var lp = TensorOps.LogSoftmax(Tensor.FromArray(new float[] { float.NegativeInfinity, 0, 0 }, 3)).ToArray();
        Assert.Equal(float.NegativeInfinity, lp[0]);
        Assert.Equal((float)-Math.Log(2), lp[1], 6);
    }

    [Fact]
    public void Softmax_AllNegInfRow_GivesNaNLikeTorch_OtherRowsUnaffected()
    {
        float ni = float.NegativeInfinity;
        var x = Tensor.FromArray(new float[] { ni, ni, ni, 0, 0, ni }, 2, 3);
        var p = TensorOps.Softmax(x).ToArray();
        Assert.All(p.Take(3), v => Assert.True(float.IsNaN(v)));
        Assert.Equal(new float[] { 0.5f, 0.5f, 0 }, p.Skip(3).ToArray());
        var lp = TensorOps.LogSoftmax(x).ToArray();
        Assert.All(lp.Take(3), v => Assert.True(float.IsNaN(v)));
        // Column-wise (axis 0) goes through the other kernel: same contract.
        var pc = TensorOps.Softmax(x, 0).ToArray();
        Assert.Equal(new float[] { 0, 0, float.NaN, 1, 1, float.NaN }, pc);
        var lpc = TensorOps.LogSoftmax(x, 0).ToArray();
        Assert.True(float.IsNaN(lpc[2]) && float.IsNaN(lpc[5]));
        Assert.Equal(0f, lpc[3]);
    }

    [Fact]
    public void Softmax_BadInput_ThrowsClearErrors()
    {
        Assert.Contains("rank-0", Assert.Throws<ArgumentException>(() => TensorOps.Softmax(Tensor.ScalarOf(1f))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorOps.LogSoftmax(Tensor.Zeros(2, 3), 2));
        Assert.Contains("float", Assert.Throws<ArgumentException>(() => TensorOps.Softmax(Tensor.FromArray(new int[] { 1, 2 }))).Message);
    }

    /// <summary>Softmax and log-softmax in double by brute force along one axis (output in x's order).</summary>
    private static (double[] p, double[] lp) Reference(double[] x, int[] shape, int axis)
    {
        int a = ShapeUtil.Axis(axis, shape.Length);
        int outer = shape.Take(a).Aggregate(1, (u, v) => u * v), n = shape[a], inner = shape.Skip(a + 1).Aggregate(1, (u, v) => u * v);
        var p = new double[x.Length]; var lp = new double[x.Length];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                double m = double.NegativeInfinity;
                for (int r = 0; r < n; r++) m = Math.Max(m, x[(o * n + r) * inner + i]);
                double s = 0;
                for (int r = 0; r < n; r++) s += Math.Exp(x[(o * n + r) * inner + i] - m);
                for (int r = 0; r < n; r++)
                {
                    int j = (o * n + r) * inner + i;
                    p[j] = Math.Exp(x[j] - m) / s;
                    lp[j] = x[j] - m - Math.Log(s);
                }
            }
        return (p, lp);
    }
}

public class CausalSoftmaxTests
{
    [Theory]
    [InlineData(new[] { 3, 3 })]
    [InlineData(new[] { 2, 4, 7 })]
    [InlineData(new[] { 2, 3, 5, 9 })] // fewer queries than keys (a KV cache)
    [InlineData(new[] { 1, 1, 1, 70 })]
    public void CausalSoftmax_EqualsComposedScaleMaskSoftmax_AndGradientsMatch(int[] shape)
    {
        var rng = new Random(4);
        var x = GradCheck.Rand(rng, -3, 3, shape);
        int q = shape[^2], k = shape[^1];
        const double scale = 0.37;
        var fused = TensorOps.CausalSoftmax(x, scale).ToArray<double>();
        var composed = TensorOps.Softmax(TensorOps.MaskedFill(x * scale, TensorOps.CausalMask(q, k), double.NegativeInfinity), -1).ToArray<double>();
        for (int i = 0; i < fused.Length; i++) Assert.True(Math.Abs(fused[i] - composed[i]) <= 1e-15, $"[{i}] {fused[i]} vs {composed[i]}");
        GradCheck.Check(t => TensorOps.CausalSoftmax(t[0], scale), new[] { x });
    }

    [Fact]
    public void CausalSoftmax_NonContiguousInput_MatchesAndMaskedAreExactlyZero()
    {
        var rng = new Random(8);
        var a = GradCheck.Rand(rng, -2, 2, 6, 6);
        var y = TensorOps.CausalSoftmax(a.T, 1.0).ToArray<double>();
        for (int r = 0; r < 6; r++) for (int c = r + 1; c < 6; c++) Assert.Equal(0.0, y[r * 6 + c]);
        GradCheck.Check(t => TensorOps.CausalSoftmax(t[0].T, 2.0), new[] { a });
    }

    [Fact]
    public void CausalSoftmax_MoreQueriesThanKeys_Throws()
    {
        Assert.Throws<ArgumentException>(() => TensorOps.CausalSoftmax(Tensor.Zeros(4, 3), 1.0));
    }
}
