using Interp.Tensors;

namespace Interp.Tensors.Tests.Ops;

public class NormTests
{
    /// <summary>float32 normalised outputs of magnitude ≤ ~5 vs the float64 composed formula: a few ulps.</summary>
    private const double F32Tol = 2e-6;

    public static TheoryData<int[]> Shapes => new()
    {
        new[] { 1, 1 },
        new[] { 5 },
        new[] { 3, 70 },
        new[] { 2, 3, 17 },
        new[] { 4, 1, 2 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void LayerNorm_WeightBiasCombinations_GradientsMatchFiniteDifferences(int[] shape)
    {
        var rng = new Random(2);
        int d = shape[^1];
        Tensor X() => GradCheck.Rand(rng, -2, 2, shape);
        Tensor W() => GradCheck.Rand(rng, 0.5, 1.5, d);
        GradCheck.Check(t => TensorOps.LayerNorm(t[0], t[1], t[2]), new[] { X(), W(), W() });
        GradCheck.Check(t => TensorOps.LayerNorm(t[0], t[1], null), new[] { X(), W() });
        GradCheck.Check(t => TensorOps.LayerNorm(t[0], null, t[1]), new[] { X(), W() });
        GradCheck.Check(t => TensorOps.LayerNorm(t[0], null, null, eps: 1e-3), new[] { X() });
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void RmsNorm_WithAndWithoutWeight_GradientsMatchFiniteDifferences(int[] shape)
    {
        var rng = new Random(6);
        int d = shape[^1];
        GradCheck.Check(t => TensorOps.RmsNorm(t[0], t[1]), new[] { GradCheck.Rand(rng, -2, 2, shape), GradCheck.Rand(rng, 0.5, 1.5, d) });
        GradCheck.Check(t => TensorOps.RmsNorm(t[0], null, eps: 1e-5), new[] { GradCheck.Rand(rng, -2, 2, shape) });
    }

    [Fact]
    public void Norms_NonContiguousInputs_GradientsMatchFiniteDifferences()
    {
        var rng = new Random(12);
        // x is a transposed [9, 7] view of a [7, 9] leaf; weight and bias are strided views of length 7.
        GradCheck.Check(t => TensorOps.LayerNorm(t[0].Transpose(0, 1), t[1].Select(1, 0), t[1].Select(1, 1)),
            new[] { GradCheck.Rand(rng, -2, 2, 7, 9), GradCheck.Rand(rng, 0.5, 1.5, 7, 2) });
        GradCheck.Check(t => TensorOps.RmsNorm(t[0].Permute(1, 2, 0), t[1].Select(0, 1)),
            new[] { GradCheck.Rand(rng, -2, 2, 5, 2, 3), GradCheck.Rand(rng, 0.5, 1.5, 2, 5) });
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 70)]
    [InlineData(3, 768)]
    public void LayerNormRmsNorm_Float32_MatchComposedFormulaInFloat64(int rows, int d)
    {
        var rng = new Random(rows * 100 + d);
        var x = GradCheck.Rand(rng, -3, 3, rows, d).ToArray<double>();
        var w = GradCheck.Rand(rng, 0.5, 1.5, d).ToArray<double>();
        var b = GradCheck.Rand(rng, -1, 1, d).ToArray<double>();
        var ln = TensorOps.LayerNorm(F32(x, rows, d), F32(w, d), F32(b, d)).ToArray();
        var rms = TensorOps.RmsNorm(F32(x, rows, d), F32(w, d)).ToArray();
        for (int r = 0; r < rows; r++)
        {
            // Composed, in double: mean, biased var, (x - mean) / sqrt(var + eps) · w + b; and x / sqrt(mean(x²) + eps) · w.
            var row = x.Skip(r * d).Take(d).ToArray();
            double mean = row.Average(), var = row.Sum(v => (v - mean) * (v - mean)) / d, ms = row.Sum(v => v * v) / d;
            for (int j = 0; j < d; j++)
            {
                double eln = (row[j] - mean) / Math.Sqrt(var + 1e-5) * w[j] + b[j];
                double erms = row[j] / Math.Sqrt(ms + 1e-6) * w[j];
                Assert.True(Math.Abs(ln[r * d + j] - eln) <= F32Tol * Math.Max(1, Math.Abs(eln)), $"LayerNorm [{r},{j}] {ln[r * d + j]} vs {eln}");
                Assert.True(Math.Abs(rms[r * d + j] - erms) <= F32Tol * Math.Max(1, Math.Abs(erms)), $"RmsNorm [{r},{j}] {rms[r * d + j]} vs {erms}");
            }
        }
    }

    [Fact]
    public void LayerNorm_MatchesComposedEngineOps()
    {
        // Composed from engine ops (Mean, biased Var, Sub); the square root is applied in double here:
        // LayerNorm(x)·sqrt(var + eps) must equal x - mean.
        var rng = new Random(31);
        var x = GradCheck.Rand(rng, -2, 2, 3, 11);
        var y = TensorOps.LayerNorm(x, null, null).ToArray<double>();
        var mean = TensorOps.Mean(x, new[] { -1 }, keepDim: true);
        var centered = (x - mean).ToArray<double>();
        var var0 = TensorOps.Var(x, new[] { -1 }, correction: 0).ToArray<double>();
        for (int i = 0; i < y.Length; i++)
            Assert.True(Math.Abs(y[i] * Math.Sqrt(var0[i / 11] + 1e-5) - centered[i]) < 1e-12, $"[{i}]");
    }

    [Fact]
    public void LayerNorm_ConstantRow_GivesBias_AndRmsNormHandValue()
    {
        var x = Tensor.FromArray(new float[] { 2, 2, 2 }, 1, 3);
        var b = Tensor.FromArray(new float[] { 0.5f, -1, 3 }, 3);
        Assert.Equal(new float[] { 0.5f, -1, 3 }, TensorOps.LayerNorm(x, null, b).ToArray());
        // rms([3, 4]) = sqrt(12.5); with eps = 0: [3, 4] / sqrt(12.5) · [1, 2].
        var r = TensorOps.RmsNorm(Tensor.FromArray(new double[] { 3, 4 }, 2), Tensor.FromArray(new double[] { 1, 2 }, 2), eps: 0).ToArray<double>();
        Assert.Equal(3 / Math.Sqrt(12.5), r[0], 14);
        Assert.Equal(8 / Math.Sqrt(12.5), r[1], 14);
    }

    [Fact]
    public void Norms_BadInput_ThrowClearErrors()
    {
        var x = Tensor.Zeros(2, 4);
        var ex = Assert.Throws<ArgumentException>(() => TensorOps.LayerNorm(x, Tensor.Zeros(3), null));
        Assert.Contains("weight must have shape [4]", ex.Message);
        Assert.Contains("bias", Assert.Throws<ArgumentException>(() => TensorOps.LayerNorm(x, null, Tensor.Zeros(2, 4))).Message);
        Assert.Contains("F64", Assert.Throws<ArgumentException>(() => TensorOps.RmsNorm(x, Tensor.FromArray(new double[4], 4))).Message);
        Assert.Contains("rank-0", Assert.Throws<ArgumentException>(() => TensorOps.RmsNorm(Tensor.ScalarOf(1f), null)).Message);
        Assert.Contains("float", Assert.Throws<ArgumentException>(() => TensorOps.LayerNorm(Tensor.FromArray(new long[] { 1, 2 }), null, null)).Message);
    }

    private static Tensor F32(double[] v, params int[] shape) => Tensor.FromArray(Array.ConvertAll(v, e => (float)e), shape);
}
