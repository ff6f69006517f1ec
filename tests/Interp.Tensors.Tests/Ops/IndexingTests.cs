using Interp.Tensors;

namespace Interp.Tensors.Tests.Ops;

public class IndexingTests
{
    /// <summary>Index values in [0, n) with at least one repeat (when count >= 2) so scatter-add accumulation is exercised.</summary>
    private static Tensor Ids(Random rng, int n, params int[] shape)
    {
        var v = new long[ShapeUtil.Numel(shape)];
        for (int i = 0; i < v.Length; i++) v[i] = rng.Next(n);
        if (v.Length >= 2) v[^1] = v[0];
        return Tensor.FromArray(v, shape);
    }

    // ---- Embedding ----

    [Fact]
    public void Embedding_HandComputed_PicksRowsInIdsShape()
    {
        var w = Tensor.FromArray(new float[] { 0, 1, 10, 11, 20, 21 }, 3, 2);
        var y = TensorOps.Embedding(w, Tensor.FromArray(new long[] { 2, 0, 2, 1 }, 2, 2));
        Assert.Equal(new[] { 2, 2, 2 }, y.Shape);
        Assert.Equal(new float[] { 20, 21, 0, 1, 20, 21, 10, 11 }, y.ToArray());
        var y32 = TensorOps.Embedding(w, Tensor.FromArray(new int[] { 1 }, 1));
        Assert.Equal(new float[] { 10, 11 }, y32.ToArray());
    }

    [Fact]
    public void Embedding_RepeatedIdsLargeRows_GradientCountsOccurrences()
    {
        // 100 ids over 5 rows of width 700: big enough for the column-split parallel scatter path.
        var rng = new Random(21);
        var ids = Ids(rng, 5, 4, 25);
        var w = Tensor.Zeros(5, 700).RequireGrad();
        var y = TensorOps.Embedding(w, ids);
        using (Tensor.NoGrad()) y.Backward(Tensor.Full(1f, y.Shape));
        var counts = new float[5];
        foreach (var id in ids.ToArray<long>()) counts[id]++;
        var g = w.Grad!.ToArray();
        for (int r = 0; r < 5; r++)
            for (int c = 0; c < 700; c += 97) Assert.Equal(counts[r], g[r * 700 + c]);
    }

    [Theory]
    [InlineData(5, 1, new[] { 7 })]
    [InlineData(7, 33, new[] { 2, 9 })]
    [InlineData(3, 70, new[] { 2, 2, 2 })]
    [InlineData(4, 5, new int[0])]
    public void Embedding_RepeatedIds_GradientsMatchFiniteDifferences(int vocab, int d, int[] idShape)
    {
        var rng = new Random(vocab * 100 + d);
        var ids = Ids(rng, vocab, idShape);
        GradCheck.Check(x => TensorOps.Embedding(x[0], ids), new[] { GradCheck.Rand(rng, -1, 1, vocab, d) });
    }

    [Fact]
    public void Embedding_NonContiguousWeightAndIds_GradientsMatch()
    {
        var rng = new Random(4);
        var ids = Ids(rng, 6, 5, 3).Transpose(0, 1); // [3, 5] view
        var w = GradCheck.Rand(rng, -1, 1, 9, 6);     // used as [6, 9]
        GradCheck.Check(x => TensorOps.Embedding(x[0].T, ids), new[] { w });
    }

    [Fact]
    public void Embedding_IdOutOfRange_ThrowsNamingIdPositionAndVocab()
    {
        var w = Tensor.Zeros(10, 4);
        var ex = Assert.Throws<ArgumentException>(() => TensorOps.Embedding(w, Tensor.FromArray(new long[] { 1, 2, 3, 50300 }, 2, 2)));
        Assert.Contains("50300", ex.Message);
        Assert.Contains("[1, 1]", ex.Message);
        Assert.Contains("10", ex.Message);
        var neg = Assert.Throws<ArgumentException>(() => TensorOps.Embedding(w, Tensor.FromArray(new int[] { -1 }, 1)));
        Assert.Contains("-1", neg.Message);
    }

    [Fact]
    public void Embedding_BadWeightOrIdsType_Throws()
    {
        Assert.Throws<ArgumentException>(() => TensorOps.Embedding(Tensor.Zeros(10), Tensor.FromArray(new long[] { 1 }, 1)));
        var ex = Assert.Throws<ArgumentException>(() => TensorOps.Embedding(Tensor.Zeros(10, 2), Tensor.FromArray(new float[] { 1 }, 1)));
        Assert.Contains("I64 or I32", ex.Message);
    }

    // ---- IndexSelect ----

    [Fact]
    public void IndexSelect_HandComputed_RepeatsAndReorders()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var idx = Tensor.FromArray(new long[] { 2, 0, 2 }, 3);
        Assert.Equal(new float[] { 3, 1, 3, 6, 4, 6 }, TensorOps.IndexSelect(x, 1, idx).ToArray());
        Assert.Equal(new float[] { 4, 5, 6, 4, 5, 6 }, TensorOps.IndexSelect(x, 0, Tensor.FromArray(new int[] { 1, 1 }, 2)).ToArray());
    }

    [Theory]
    [InlineData(new[] { 4, 5, 6 }, 0, 7)]
    [InlineData(new[] { 4, 5, 6 }, 1, 3)]
    [InlineData(new[] { 4, 5, 6 }, -1, 9)]
    [InlineData(new[] { 3, 70 }, 0, 5)]
    [InlineData(new[] { 1 }, 0, 1)]
    public void IndexSelect_Axes_GradientsMatchFiniteDifferences(int[] shape, int axis, int k)
    {
        var rng = new Random(shape.Sum() + axis * 13 + k);
        int n = shape[axis < 0 ? axis + shape.Length : axis];
        var idx = Ids(rng, n, k);
        GradCheck.Check(x => TensorOps.IndexSelect(x[0], axis, idx), new[] { GradCheck.Rand(rng, -1, 1, shape) });
    }

    [Fact]
    public void IndexSelect_NonContiguousInput_GradientsMatch()
    {
        var rng = new Random(8);
        var idx = Ids(rng, 4, 6);
        var x = GradCheck.Rand(rng, -1, 1, 3, 5, 4); // permuted to [4, 3, 5]
        GradCheck.Check(t => TensorOps.IndexSelect(t[0].Permute(2, 0, 1), 0, idx), new[] { x });
    }

    [Fact]
    public void IndexSelect_BadIndex_ThrowsWithRange()
    {
        var x = Tensor.Zeros(2, 3);
        var ex = Assert.Throws<ArgumentException>(() => TensorOps.IndexSelect(x, 1, Tensor.FromArray(new long[] { 0, 3 }, 2)));
        Assert.Contains("3", ex.Message);
        Assert.Contains("0..2", ex.Message);
        Assert.Throws<ArgumentException>(() => TensorOps.IndexSelect(x, 1, Tensor.FromArray(new long[] { 0, 1 }, 1, 2)));
    }

    // ---- Gather ----

    [Fact]
    public void Gather_HandComputed_MatchesTorchExample()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        Assert.Equal(new float[] { 1, 1, 4, 3 }, TensorOps.Gather(x, 1, Tensor.FromArray(new long[] { 0, 0, 1, 0 }, 2, 2)).ToArray());
        Assert.Equal(new float[] { 3, 2, 1, 4 }, TensorOps.Gather(x, 0, Tensor.FromArray(new int[] { 1, 0, 0, 1 }, 2, 2)).ToArray());
        var ids = Tensor.FromArray(new long[] { 10, 20, 30, 40 }, 2, 2);
        Assert.Equal(new long[] { 20, 30 }, TensorOps.Gather(ids, 1, Tensor.FromArray(new long[] { 1, 0 }, 2, 1)).ToArray<long>());
    }

    [Theory]
    [InlineData(new[] { 3, 5, 4 }, 1, new[] { 3, 2, 4 })]
    [InlineData(new[] { 3, 5, 4 }, 2, new[] { 2, 5, 7 })]
    [InlineData(new[] { 3, 5, 4 }, 0, new[] { 6, 4, 3 })]
    [InlineData(new[] { 70 }, 0, new[] { 90 })]
    [InlineData(new[] { 2, 67 }, -1, new[] { 2, 33 })]
    public void Gather_Shapes_GradientsMatchFiniteDifferences(int[] xShape, int axis, int[] iShape)
    {
        var rng = new Random(xShape.Sum() * 7 + iShape.Sum());
        int n = xShape[axis < 0 ? axis + xShape.Length : axis];
        var idx = Ids(rng, n, iShape);
        GradCheck.Check(x => TensorOps.Gather(x[0], axis, idx), new[] { GradCheck.Rand(rng, -1, 1, xShape) });
    }

    [Fact]
    public void Gather_NonContiguousInputAndIndex_GradientsMatch()
    {
        var rng = new Random(12);
        var idx = Ids(rng, 6, 4, 3).T; // [3, 4] view
        var x = GradCheck.Rand(rng, -1, 1, 6, 3); // used as [3, 6]
        GradCheck.Check(t => TensorOps.Gather(t[0].T, 1, idx), new[] { x });
    }

    [Fact]
    public void Gather_BadShapesOrValues_Throw()
    {
        var x = Tensor.Zeros(3, 4);
        Assert.Throws<ArgumentException>(() => TensorOps.Gather(x, 1, Tensor.FromArray(new long[] { 0, 1 }, 2)));          // rank
        var big = Assert.Throws<ArgumentException>(() => TensorOps.Gather(x, 1, Tensor.Zeros(DType.I64, 4, 1)));             // axis 0 too big
        Assert.Contains("axis 0", big.Message);
        var val = Assert.Throws<ArgumentException>(() => TensorOps.Gather(x, 1, Tensor.FromArray(new long[] { 0, 4 }, 2, 1)));
        Assert.Contains("[1, 0]", val.Message);
    }

    // ---- ScatterAdd ----

    [Fact]
    public void ScatterAdd_HandComputed_MatchesTorchDocExample()
    {
        var src = Tensor.Ones(2, 5);
        var index = Tensor.FromArray(new long[] { 0, 1, 2, 0, 0, 0, 1, 2, 2, 2 }, 2, 5);
        var y = TensorOps.ScatterAdd(Tensor.Zeros(3, 5), 0, index, src);
        Assert.Equal(new float[] { 2, 0, 0, 1, 1, 0, 2, 0, 0, 0, 0, 0, 2, 1, 1 }, y.ToArray());
        var x = Tensor.FromArray(new float[] { 1, 1, 1 }, 3);
        var y1 = TensorOps.ScatterAdd(x, 0, Tensor.FromArray(new int[] { 0, 2, 0 }, 3), Tensor.FromArray(new float[] { 1, 2, 3 }, 3));
        Assert.Equal(new float[] { 5, 1, 3 }, y1.ToArray());
        Assert.Equal(new float[] { 1, 1, 1 }, x.ToArray()); // out of place
        var counts = TensorOps.ScatterAdd(Tensor.Zeros(DType.I64, 4), 0, Tensor.FromArray(new long[] { 3, 1, 3, 3 }, 4), Tensor.FromArray(new long[] { 1, 1, 1, 1 }, 4));
        Assert.Equal(new long[] { 0, 1, 0, 3 }, counts.ToArray<long>());
    }

    [Theory]
    [InlineData(new[] { 4, 5, 3 }, 0, new[] { 6, 5, 3 }, new[] { 7, 5, 4 })]
    [InlineData(new[] { 4, 5, 3 }, 1, new[] { 4, 8, 2 }, new[] { 4, 8, 3 })]
    [InlineData(new[] { 4, 5, 3 }, 2, new[] { 3, 5, 6 }, new[] { 3, 5, 6 })]
    [InlineData(new[] { 9 }, 0, new[] { 70 }, new[] { 70 })]
    [InlineData(new[] { 2, 3 }, -1, new[] { 1, 1 }, new[] { 2, 2 })]
    public void ScatterAdd_RepeatedIndices_GradientsMatchFiniteDifferences(int[] xShape, int axis, int[] iShape, int[] srcShape)
    {
        var rng = new Random(xShape.Sum() + iShape.Sum() * 3 + axis);
        int n = xShape[axis < 0 ? axis + xShape.Length : axis];
        var idx = Ids(rng, n, iShape);
        var x = GradCheck.Rand(rng, -1, 1, xShape);
        var src = GradCheck.Rand(rng, -1, 1, srcShape);
        GradCheck.Check(t => TensorOps.ScatterAdd(t[0], axis, idx, t[1]), new[] { x, src });
    }

    [Fact]
    public void ScatterAdd_NonContiguousInputs_GradientsMatch()
    {
        var rng = new Random(31);
        var idx = Ids(rng, 3, 5, 4);
        var x = GradCheck.Rand(rng, -1, 1, 3, 5);   // used as [5, 3]
        var src = GradCheck.Rand(rng, -1, 1, 4, 5); // used as [5, 4]
        GradCheck.Check(t => TensorOps.ScatterAdd(t[0].T, 1, idx, t[1].T), new[] { x, src });
    }

    [Theory]
    [InlineData(new[] { 4, 100, 200 }, 1)] // split over axis 0 in parallel
    [InlineData(new[] { 2, 300, 120 }, 0)] // split over columns in parallel
    [InlineData(new[] { 3, 40, 700 }, 2)]  // serial path
    public void ScatterAdd_LargeShapes_MatchNaiveLoop(int[] shape, int axis)
    {
        // Integer-valued src so every order of summation gives the exact same float64 result.
        var rng = new Random(shape[1]);
        int n = shape[axis] / 2;
        var xShape = (int[])shape.Clone(); xShape[axis] = n;
        var idx = Ids(rng, n, shape);
        var src = Tensor.FromArray(Enumerable.Range(0, ShapeUtil.Numel(shape)).Select(_ => (double)rng.Next(-5, 6)).ToArray(), shape);
        var y = TensorOps.ScatterAdd(Tensor.Zeros(DType.F64, xShape), axis, idx, src).ToArray<double>();
        var expect = new double[ShapeUtil.Numel(xShape)];
        var iv = idx.ToArray<long>(); var sv = src.ToArray<double>();
        var xs = ShapeUtil.ContiguousStrides(xShape);
        for (int i0 = 0, p = 0; i0 < shape[0]; i0++)
            for (int i1 = 0; i1 < shape[1]; i1++)
                for (int i2 = 0; i2 < shape[2]; i2++, p++)
                {
                    int[] pos = { i0, i1, i2 };
                    pos[axis] = (int)iv[p];
                    expect[pos[0] * xs[0] + pos[1] * xs[1] + pos[2] * xs[2]] += sv[p];
                }
        Assert.Equal(expect, y);
    }

    [Fact]
    public void ScatterAdd_BadInputs_Throw()
    {
        var x = Tensor.Zeros(3, 4);
        var idx = Tensor.Zeros(DType.I64, 2, 4);
        var small = Assert.Throws<ArgumentException>(() => TensorOps.ScatterAdd(x, 0, idx, Tensor.Zeros(2, 3)));
        Assert.Contains("src", small.Message);
        Assert.Throws<ArgumentException>(() => TensorOps.ScatterAdd(x, 0, idx, Tensor.Zeros(DType.F64, 2, 4)));
        var val = Assert.Throws<ArgumentException>(() => TensorOps.ScatterAdd(x, 0, Tensor.FromArray(new long[] { 3 }, 1, 1), Tensor.Zeros(1, 1)));
        Assert.Contains("0..2", val.Message);
    }
}
