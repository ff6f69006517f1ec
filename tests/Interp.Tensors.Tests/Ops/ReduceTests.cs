using Interp.Tensors;

namespace Interp.Tensors.Tests.Ops;

public class ReduceTests
{
    /// <summary>float64 kernels vs a double brute force: only summation-order rounding differs.</summary>
    private const double F64Tol = 1e-12;
    /// <summary>float32 sums of O(1) values over ≤ a few hundred elements vs double: pairwise error is a few ulps.</summary>
    private const double F32Tol = 1e-5;

    // (shape, axes, keepDim): consecutive axes, axes with a size-1 gap, scattered axes (permuted layout), negative axes.
    public static TheoryData<int[], int[]?, bool> Cases => new()
    {
        { new[] { 7 }, null, false },
        { new[] { 3, 70 }, new[] { -1 }, true },
        { new[] { 3, 70 }, new[] { 0 }, false },
        { new[] { 2, 3, 5 }, new[] { 0, 2 }, true },
        { new[] { 2, 3, 5 }, new[] { 1 }, false },
        { new[] { 4, 1, 5 }, new[] { 0, 2 }, false },
        { new[] { 2, 3, 4, 5 }, new[] { 1, 2 }, true },
        { new[] { 2, 3, 4, 5 }, new[] { -3, -1 }, false },
        { new[] { 1, 1 }, null, true },
        { new[] { 33, 17 }, new[] { 1, 0 }, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void SumMeanVarAMax_RandomShapes_MatchBruteForce(int[] shape, int[]? axes, bool keepDim)
    {
        var rng = new Random(5);
        var x = GradCheck.Rand(rng, -3, 3, shape);
        var data = x.ToArray<double>();
        Check(TensorOps.Sum(x, axes, keepDim), v => v.Sum());
        Check(TensorOps.Mean(x, axes, keepDim), v => v.Average());
        Check(TensorOps.Var(x, axes, keepDim), v => { var m = v.Average(); return v.Sum(e => (e - m) * (e - m)) / (v.Count - 1); });
        Check(TensorOps.Var(x, axes, keepDim, correction: 0), v => { var m = v.Average(); return v.Sum(e => (e - m) * (e - m)) / v.Count; });
        Check(TensorOps.AMax(x, axes, keepDim), v => v.Max());

        void Check(Tensor y, Func<List<double>, double> f)
        {
            var (expected, outShape) = BruteReduce(data, shape, axes, keepDim, f);
            Assert.Equal(outShape, y.Shape);
            var got = y.ToArray<double>();
            for (int i = 0; i < expected.Length; i++)
                Assert.True(double.IsNaN(expected[i]) ? double.IsNaN(got[i]) : Math.Abs(expected[i] - got[i]) <= F64Tol * Math.Max(1, Math.Abs(expected[i])),
                    $"[{i}] expected {expected[i]}, got {got[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SumMeanVarAMax_RandomShapes_GradientsMatchFiniteDifferences(int[] shape, int[]? axes, bool keepDim)
    {
        var rng = new Random(9);
        GradCheck.Check(x => TensorOps.Sum(x[0], axes, keepDim), new[] { GradCheck.Rand(rng, -2, 2, shape) });
        GradCheck.Check(x => TensorOps.Mean(x[0], axes, keepDim), new[] { GradCheck.Rand(rng, -2, 2, shape) });
        if (ShapeUtil.Numel(shape) > 1 && (axes is null || axes.Any(a => shape[ShapeUtil.Axis(a, shape.Length)] > 1)))
            GradCheck.Check(x => TensorOps.Var(x[0], axes, keepDim), new[] { GradCheck.Rand(rng, -2, 2, shape) });
        GradCheck.Check(x => TensorOps.Var(x[0], axes, keepDim, correction: 0), new[] { GradCheck.Rand(rng, -2, 2, shape) });
        GradCheck.Check(x => TensorOps.AMax(x[0], axes, keepDim), new[] { GradCheck.Rand(rng, -2, 2, shape) });
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(-1, false)]
    public void Reductions_NonContiguousViews_GradientsMatchFiniteDifferences(int axis, bool keepDim)
    {
        var rng = new Random(13);
        // A transposed [5, 9] view and a narrowed, permuted [3, 4, 6] view, both made from contiguous leaves.
        Func<Tensor, Tensor> t2 = v => v.Transpose(0, 1);
        Func<Tensor, Tensor> t3 = v => v.Permute(2, 0, 1).Narrow(1, 1, 3);
        foreach (var (view, shape) in new[] { (t2, new[] { 9, 5 }), (t3, new[] { 4, 3, 7 }) })
        {
            var axes = new[] { axis };
            GradCheck.Check(x => TensorOps.Sum(view(x[0]), axes, keepDim), new[] { GradCheck.Rand(rng, -2, 2, shape) });
            GradCheck.Check(x => TensorOps.Mean(view(x[0]), null, keepDim), new[] { GradCheck.Rand(rng, -2, 2, shape) });
            GradCheck.Check(x => TensorOps.Var(view(x[0]), axes, keepDim), new[] { GradCheck.Rand(rng, -2, 2, shape) });
            GradCheck.Check(x => TensorOps.AMax(view(x[0]), axes, keepDim), new[] { GradCheck.Rand(rng, -2, 2, shape) });
            GradCheck.Check(x => TensorOps.Max(view(x[0]), axis, keepDim).values, new[] { GradCheck.Rand(rng, -2, 2, shape) });
        }
    }

    [Fact]
    public void Sum_AllAxes_IsRank0WithHandValue()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var s = TensorOps.Sum(x);
        Assert.Empty(s.Shape);
        Assert.Equal(21f, s.Item());
        Assert.Equal(new float[] { 5, 7, 9 }, TensorOps.Sum(x, new[] { 0 }).ToArray());
        Assert.Equal(new[] { 2, 1 }, TensorOps.Sum(x, new[] { 1 }, keepDim: true).Shape);
        Assert.Equal(new float[] { 2, 5 }, TensorOps.Mean(x, new[] { -1 }).ToArray());
    }

    [Fact]
    public void Var_HandComputed_TorchCorrectionSemantics()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 4 }, 4);
        Assert.Equal(5.0 / 3.0, TensorOps.Var(x).ItemDouble(), 12);             // Σ(x-2.5)² = 5, /3
        Assert.Equal(1.25, TensorOps.Var(x, correction: 0).ItemDouble(), 12);   // /4
        Assert.True(double.IsNaN(TensorOps.Var(Tensor.FromArray(new double[] { 7 }, 1)).ItemDouble()), "one sample, correction 1: 0/0 = NaN as torch");
    }

    [Fact]
    public void Mean_EmptyAxis_IsNaN()
    {
        var x = Tensor.Zeros(3, 0);
        var m = TensorOps.Mean(x, new[] { 1 });
        Assert.Equal(new[] { 3 }, m.Shape);
        Assert.All(m.ToArray(), v => Assert.True(float.IsNaN(v)));
        Assert.Equal(new float[] { 0, 0, 0 }, TensorOps.Sum(x, new[] { 1 }).ToArray());
    }

    [Fact]
    public void Sum_Float32LongRowAndColumn_PairwiseErrorStaysSmall()
    {
        // A running float32 sum of 2^20 copies of 0.1f drifts by ~1e-2 relative; pairwise stays near 1e-6.
        const int n = 1 << 20;
        const double relTol = 1e-5;
        var row = Tensor.Full(0.1f, n);
        double exact = n * (double)0.1f;
        Assert.True(Math.Abs(TensorOps.Sum(row).Item() - exact) / exact < relTol);
        var col = Tensor.Full(0.1f, n / 4, 4);
        var cs = TensorOps.Sum(col, new[] { 0 }).ToArray();
        Assert.All(cs, v => Assert.True(Math.Abs(v - exact / 4) / (exact / 4) < relTol, $"column sum {v} vs {exact / 4}"));
    }

    [Fact]
    public void Sum_Float32_MatchesFloat64WithinRounding()
    {
        var rng = new Random(21);
        var x64 = GradCheck.Rand(rng, -1, 1, 6, 70, 3);
        var x32 = Tensor.FromArray(x64.ToArray(), 6, 70, 3);
        foreach (var axes in new[] { new[] { 1 }, new[] { 0, 2 }, new[] { 2 } })
        {
            var e = TensorOps.Sum(x64, axes).ToArray<double>();
            var g = TensorOps.Sum(x32, axes).ToArray();
            for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - g[i]) < F32Tol * 70, $"axes [{string.Join(",", axes)}] [{i}]");
        }
    }

    [Fact]
    public void AMax_Ties_GradientSplitEvenly_AndNaNPropagates()
    {
        var x = Tensor.FromArray(new double[] { 1, 3, 3, 2, 5, 5, 5, 0 }, 2, 4).RequireGrad();
        var y = TensorOps.AMax(x, new[] { 1 });
        Assert.Equal(new double[] { 3, 5 }, y.ToArray<double>());
        y.Backward(Tensor.FromArray(new double[] { 1, 3 }, 2));
        Assert.Equal(new double[] { 0, 0.5, 0.5, 0, 1, 1, 1, 0 }, x.Grad!.ToArray<double>());
        var withNaN = Tensor.FromArray(new float[] { 1, float.NaN, 2 }, 3);
        Assert.True(float.IsNaN(TensorOps.AMax(withNaN).Item()));
        var colNaN = Tensor.FromArray(new float[] { 1, 2, float.NaN, 0 }, 2, 2);
        var cm = TensorOps.AMax(colNaN, new[] { 0 }).ToArray();
        Assert.True(float.IsNaN(cm[0]));
        Assert.Equal(2f, cm[1]);
    }

    [Fact]
    public void Max_TiesAndNaN_FirstIndexAndGradientToArgmax()
    {
        var x = Tensor.FromArray(new double[] { 1, 4, 4, 0, 7, 2 }, 2, 3).RequireGrad();
        var (v, i) = TensorOps.Max(x, 1);
        Assert.Equal(new double[] { 4, 7 }, v.ToArray<double>());
        Assert.Equal(DType.I64, i.DType);
        Assert.Equal(new long[] { 1, 1 }, i.ToArray<long>());
        v.Backward(Tensor.FromArray(new double[] { 2, 3 }, 2));
        Assert.Equal(new double[] { 0, 2, 0, 0, 3, 0 }, x.Grad!.ToArray<double>());

        var (v0, i0) = TensorOps.Max(Tensor.FromArray(new float[] { 5, 5, 1, 9 }, 2, 2), 0, keepDim: true);
        Assert.Equal(new[] { 1, 2 }, v0.Shape);
        Assert.Equal(new float[] { 5, 9 }, v0.ToArray());
        Assert.Equal(new long[] { 0, 1 }, i0.ToArray<long>());

        var (vn, inx) = TensorOps.Max(Tensor.FromArray(new float[] { 1, float.NaN, 3, float.NaN }, 4), 0);
        Assert.True(float.IsNaN(vn.Item()));
        Assert.Equal(1L, inx.ToArray<long>()[0]);
        var (vc, ic) = TensorOps.Max(Tensor.FromArray(new float[] { 1, 2, float.NaN, 0, 3, float.NaN }, 3, 2), 0);
        Assert.True(float.IsNaN(vc.ToArray()[0]));
        Assert.Equal(new long[] { 1, 2 }, ic.ToArray<long>());
    }

    [Fact]
    public void Max_RandomShapes_MatchesBruteForceAndGradients()
    {
        var rng = new Random(17);
        foreach (var (shape, axis) in new[] { (new[] { 70 }, 0), (new[] { 3, 33 }, -1), (new[] { 4, 5, 6 }, 1), (new[] { 5, 2, 3 }, 0) })
        {
            var x = GradCheck.Rand(rng, -5, 5, shape);
            var (v, idx) = TensorOps.Max(x, axis);
            var (expected, _) = BruteReduce(x.ToArray<double>(), shape, new[] { axis }, false, l => l.Max());
            Assert.Equal(expected, v.ToArray<double>());
            var (argmax, _) = BruteReduce(x.ToArray<double>(), shape, new[] { axis }, false, l => l.IndexOf(l.Max()));
            Assert.Equal(argmax, idx.ToArray<long>().Select(q => (double)q).ToArray());
            GradCheck.Check(t => TensorOps.Max(t[0], axis).values, new[] { GradCheck.Rand(rng, -5, 5, shape) });
        }
    }

    [Fact]
    public void Reductions_BadInput_ThrowClearErrors()
    {
        var x = Tensor.Zeros(2, 3);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => TensorOps.Sum(x, new[] { 1, -1 })).Message);
        Assert.Contains("pass null", Assert.Throws<ArgumentException>(() => TensorOps.Mean(x, Array.Empty<int>())).Message);
        Assert.Contains("out of range", Assert.Throws<ArgumentOutOfRangeException>(() => TensorOps.Sum(x, new[] { 2 })).Message);
        Assert.Contains("F32", Assert.Throws<ArgumentException>(() => TensorOps.Sum(Tensor.FromArray(new long[] { 1, 2 }))).Message);
        Assert.Contains("correction", Assert.Throws<ArgumentOutOfRangeException>(() => TensorOps.Var(x, correction: -1)).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => TensorOps.AMax(Tensor.Zeros(2, 0), new[] { 1 })).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => TensorOps.Max(Tensor.Zeros(0, 2), 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorOps.Max(x, -3));
    }

    /// <summary>Brute-force reduction by index enumeration, in double; returns values in output order and the output shape.</summary>
    internal static (double[] values, int[] shape) BruteReduce(double[] data, int[] shape, int[]? axes, bool keepDim, Func<List<double>, double> f)
    {
        int rank = shape.Length;
        var red = new bool[rank];
        foreach (var a in axes ?? Enumerable.Range(0, rank).ToArray()) red[ShapeUtil.Axis(a, rank)] = true;
        var keptShape = shape.Select((d, i) => red[i] ? 1 : d).ToArray();
        var groups = new List<double>[ShapeUtil.Numel(keptShape)];
        for (int g = 0; g < groups.Length; g++) groups[g] = new List<double>();
        var idx = new int[rank];
        for (int flat = 0; flat < data.Length; flat++)
        {
            int rem = flat;
            for (int d = rank - 1; d >= 0; d--) { idx[d] = rem % shape[d]; rem /= shape[d]; }
            int o = 0;
            for (int d = 0; d < rank; d++) o = o * keptShape[d] + (red[d] ? 0 : idx[d]);
            groups[o].Add(data[flat]);
        }
        var outShape = keepDim ? keptShape : shape.Where((_, i) => !red[i]).ToArray();
        return (groups.Select(f).ToArray(), outShape);
    }
}
