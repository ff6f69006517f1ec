using Interp.Tensors;

namespace Interp.Tensors.Tests.Ops;

public class TopKTests
{
    [Theory]
    [InlineData(new[] { 70 }, 5, 0, true)]
    [InlineData(new[] { 70 }, 70, 0, false)]
    [InlineData(new[] { 3, 1 }, 1, -1, true)]
    [InlineData(new[] { 4, 33 }, 7, -1, false)]
    [InlineData(new[] { 6, 5, 4 }, 3, 1, true)]
    [InlineData(new[] { 9, 2, 3 }, 4, 0, false)]
    [InlineData(new[] { 8, 2000 }, 32, -1, true)]
    public void TopK_RandomData_MatchesBruteForceSort(int[] shape, int k, int axis, bool largest)
    {
        var rng = new Random(shape.Sum() + k);
        var x = GradCheck.Rand(rng, -10, 10, shape);
        var data = x.ToArray<double>();
        int a = ShapeUtil.Axis(axis, shape.Length), n = shape[a];
        int inner = shape.Skip(a + 1).Aggregate(1, (u, v) => u * v), outer = data.Length / (n * inner);
        foreach (var dtype in new[] { DType.F64, DType.F32 })
        {
            var xin = dtype == DType.F64 ? x : Tensor.FromArray(x.ToArray(), shape);
            var (vals, idx) = TensorOps.TopK(xin, k, axis, largest);
            var expShape = (int[])shape.Clone(); expShape[a] = k;
            Assert.Equal(expShape, vals.Shape);
            Assert.Equal(expShape, idx.Shape);
            Assert.Equal(DType.I64, idx.DType);
            var v = dtype == DType.F64 ? vals.ToArray<double>() : vals.ToArray().Select(f => (double)f).ToArray();
            var ix = idx.ToArray<long>();
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                {
                    var col = Enumerable.Range(0, n).Select(r => (val: dtype == DType.F32 ? (double)(float)data[(o * n + r) * inner + i] : data[(o * n + r) * inner + i], r)).ToList();
                    var sorted = (largest ? col.OrderByDescending(p => p.val) : col.OrderBy(p => p.val)).ThenBy(p => p.r).Take(k).ToArray();
                    for (int j = 0; j < k; j++)
                    {
                        int at = (o * k + j) * inner + i;
                        Assert.Equal(sorted[j].val, v[at]);
                        Assert.Equal(sorted[j].r, ix[at]);
                    }
                }
        }
    }

    [Theory]
    [InlineData(new[] { 7 }, 3, 0)]
    [InlineData(new[] { 3, 70 }, 4, -1)]
    [InlineData(new[] { 5, 4, 3 }, 2, 1)]
    [InlineData(new[] { 5, 4, 3 }, 5, 0)]
    public void TopK_RandomShapes_GradientsMatchFiniteDifferences(int[] shape, int k, int axis)
    {
        var rng = new Random(k * 7 + axis);
        GradCheck.Check(x => TensorOps.TopK(x[0], k, axis).values, new[] { GradCheck.Rand(rng, -5, 5, shape) });
        GradCheck.Check(x => TensorOps.TopK(x[0], k, axis, largest: false).values, new[] { GradCheck.Rand(rng, -5, 5, shape) });
        // Non-contiguous: the same op on a transposed view of a leaf with the first two axes swapped.
        var swapped = (int[])shape.Clone();
        if (shape.Length > 1) (swapped[0], swapped[1]) = (swapped[1], swapped[0]);
        Func<Tensor, Tensor> view = v => v.Rank > 1 ? v.Transpose(0, 1) : v.Narrow(0, 0, v.Shape[0]);
        GradCheck.Check(x => TensorOps.TopK(view(x[0]), k, axis).values, new[] { GradCheck.Rand(rng, -5, 5, swapped) });
    }

    [Fact]
    public void TopK_TiesAndNaN_LowerIndexFirst_NaNRanksHighest()
    {
        var x = Tensor.FromArray(new float[] { 1, 3, 3, float.NaN, 2, 3 }, 6);
        var (v, i) = TensorOps.TopK(x, 4);
        var vv = v.ToArray();
        Assert.True(float.IsNaN(vv[0]));
        Assert.Equal(new float[] { 3, 3, 3 }, vv.Skip(1).ToArray());
        Assert.Equal(new long[] { 3, 1, 2, 5 }, i.ToArray<long>());
        var (vs, iS) = TensorOps.TopK(x, 3, largest: false);
        Assert.Equal(new float[] { 1, 2, 3 }, vs.ToArray());
        Assert.Equal(new long[] { 0, 4, 1 }, iS.ToArray<long>());
        // A row led by NaNs (the initial threshold is NaN) still finds the smallest numbers, and the vector scan sees them.
        var lead = Enumerable.Repeat(float.NaN, 40).Concat(Enumerable.Range(0, 40).Select(j => (float)(40 - j))).ToArray();
        var (vl, _) = TensorOps.TopK(Tensor.FromArray(lead, 80), 3, largest: false);
        Assert.Equal(new float[] { 1, 2, 3 }, vl.ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TopK_LongRowsWithManyTiesAndNaNs_MatchBruteForceOrder(bool largest)
    {
        // Rows long enough for the SIMD scan and several buffer prunes; 5 distinct values make ties everywhere,
        // and a NaN run at the front of one row makes the threshold NaN (largest: early exit; smallest: any number beats it).
        var rng = new Random(largest ? 1 : 2);
        int rows = 4, n = 1500, k = 50;
        var data = new float[rows * n];
        for (int i = 0; i < data.Length; i++) data[i] = rng.Next(5);
        for (int j = 0; j < 300; j++) data[2 * n + j] = float.NaN;
        data[3 * n + 777] = float.NaN;
        var (v, idx) = TensorOps.TopK(Tensor.FromArray(data, rows, n), k, largest: largest);
        var vv = v.ToArray(); var ii = idx.ToArray<long>();
        for (int r = 0; r < rows; r++)
        {
            // NaN ranks above every number; ties keep the lower index.
            double Key(int j) => float.IsNaN(data[r * n + j]) ? double.PositiveInfinity : data[r * n + j];
            var order = Enumerable.Range(0, n);
            var best = (largest ? order.OrderByDescending(Key) : order.OrderBy(Key)).ThenBy(j => j).Take(k).ToArray();
            for (int j = 0; j < k; j++)
            {
                Assert.Equal(best[j], ii[r * k + j]);
                Assert.Equal(data[r * n + best[j]], vv[r * k + j]);
            }
        }
    }

    [Fact]
    public void TopK_Gradient_ScattersIntoZerosAtKeptPositions()
    {
        var x = Tensor.FromArray(new double[] { 0.1, 0.9, 0.5, 0.7, 0.2, 0.3 }, 2, 3).RequireGrad();
        var (v, _) = TensorOps.TopK(x, 2, axis: 1);
        v.Backward(Tensor.FromArray(new double[] { 10, 20, 30, 40 }, 2, 2));
        Assert.Equal(new double[] { 0, 10, 20, 30, 0, 40 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void TopK_EdgeSizes_KZeroAndKEqualsN()
    {
        var x = Tensor.FromArray(new float[] { 2, 1, 3 }, 1, 3);
        var (v0, i0) = TensorOps.TopK(x, 0);
        Assert.Equal(new[] { 1, 0 }, v0.Shape);
        Assert.Equal(0, i0.Numel);
        var (v3, i3) = TensorOps.TopK(x, 3);
        Assert.Equal(new float[] { 3, 2, 1 }, v3.ToArray());
        Assert.Equal(new long[] { 2, 0, 1 }, i3.ToArray<long>());
    }

    [Fact]
    public void TopK_BadInput_ThrowsClearErrors()
    {
        var x = Tensor.Zeros(2, 5);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => TensorOps.TopK(x, 6));
        Assert.Contains("k = 6", ex.Message);
        Assert.Contains("has 5 elements", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorOps.TopK(x, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorOps.TopK(x, 1, axis: 2));
        Assert.Contains("rank-0", Assert.Throws<ArgumentException>(() => TensorOps.TopK(Tensor.ScalarOf(1f), 1)).Message);
        Assert.Contains("float", Assert.Throws<ArgumentException>(() => TensorOps.TopK(Tensor.FromArray(new long[] { 1, 2 }), 1)).Message);
    }
}
