using Interp.Tensors;

namespace Interp.Tensors.Tests.Ops;

public class WhereTests
{
    private static Tensor RandomMask(Random rng, params int[] shape)
    {
        var d = new int[ShapeUtil.Numel(shape)];
        for (int i = 0; i < d.Length; i++) d[i] = rng.Next(2) * (rng.Next(2) == 0 ? 1 : -3);   // any nonzero counts as true
        return Tensor.FromArray(d, shape);
    }

    public static TheoryData<int[], int[], int[]> Shapes => new()
    {
        { new[] { 1 }, new[] { 1 }, new[] { 1 } },
        { new[] { 17 }, new[] { 17 }, new[] { 17 } },
        { new[] { 5, 7 }, new[] { 7 }, new[] { 5, 1 } },
        { new[] { 2, 1, 9 }, new[] { 3, 9 }, new[] { 1 } },
        { new[] { 7, 1 }, new[] { 1, 10 }, new[] { 7, 10 } },       // cond constant along the row: the row-copy path
        { Array.Empty<int>(), new[] { 2, 35 }, new[] { 35 } },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Where_Broadcasting_GradientsMatchFiniteDifferences(int[] sc, int[] sa, int[] sb)
    {
        var rng = new Random(3);
        var cond = RandomMask(rng, sc);
        var a = GradCheck.Rand(rng, -2, 2, sa);
        var b = GradCheck.Rand(rng, -2, 2, sb);
        GradCheck.Check(t => TensorOps.Where(cond, t[0], t[1]), new[] { a, b });
    }

    [Fact]
    public void Where_NonContiguousOperands_GradientsMatch()
    {
        var rng = new Random(4);
        var cond = RandomMask(rng, 9, 6).Transpose(0, 1);        // [6, 9], strided
        var a = GradCheck.Rand(rng, -1, 1, 9, 6);
        var b = GradCheck.Rand(rng, -1, 1, 6, 12);
        GradCheck.Check(t => TensorOps.Where(cond, t[0].Transpose(0, 1), t[1].Narrow(1, 3, 9)), new[] { a, b });
    }

    [Fact]
    public void Where_HandValues_EveryConditionDType()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5 });
        var b = Tensor.FromArray(new float[] { 10, 20, 30, 40, 50 });
        float[] expected = { 1, 20, 3, 40, 5 };
        Assert.Equal(expected, TensorOps.Where(Tensor.FromArray(new[] { 1, 0, -1, 0, 7 }), a, b).ToArray());
        Assert.Equal(expected, TensorOps.Where(Tensor.FromArray(new long[] { 1, 0, 2, 0, 1 }), a, b).ToArray());
        Assert.Equal(expected, TensorOps.Where(Tensor.FromArray(new[] { 0.5f, -0f, float.NaN, 0f, -1f }), a, b).ToArray());   // -0 is false, NaN true
        Assert.Equal(expected, TensorOps.Where(Tensor.FromArray(new[] { 1.0, 0, 1, 0, 1 }), a, b).ToArray());
        // Integer values select too (no gradient).
        var ia = Tensor.FromArray(new long[] { 1, 2 }); var ib = Tensor.FromArray(new long[] { -1, -2 });
        Assert.Equal(new long[] { 1, -2 }, TensorOps.Where(Tensor.FromArray(new[] { 1, 0 }), ia, ib).ToArray<long>());
    }

    [Fact]
    public void Where_LongRowsWithMatchingWidths_VectorPathAgreesWithScalarRule()
    {
        var rng = new Random(8);
        var cond = RandomMask(rng, 3, 67);
        var a = GradCheck.Rand(rng, -1, 1, 3, 67); var b = GradCheck.Rand(rng, -1, 1, 67);
        var y = TensorOps.Where(cond.To(DType.I64), a, b).ToArray<double>();   // I64 cond with F64 values: vectorised
        var c = cond.ToArray<int>(); var av = a.ToArray<double>(); var bv = b.ToArray<double>();
        for (int i = 0; i < y.Length; i++) Assert.Equal(c[i] != 0 ? av[i] : bv[i % 67], y[i]);
    }

    [Fact]
    public void Where_UnbroadcastableShapes_ThrowsNamingAllThree()
    {
        var ex = Assert.Throws<ArgumentException>(() => TensorOps.Where(Tensor.FromArray(new[] { 1, 0, 1 }), Tensor.Zeros(2, 4), Tensor.Zeros(4)));
        Assert.Contains("[3]", ex.Message);
        Assert.Contains("[2, 4]", ex.Message);
        Assert.Contains("[4]", ex.Message);
    }

    [Fact]
    public void Where_MismatchedValueDTypes_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => TensorOps.Where(Tensor.FromArray(new[] { 1 }), Tensor.Zeros(1), Tensor.Zeros(DType.F64, 1)));
        Assert.Contains("F64", ex.Message);
    }

    [Fact]
    public void MaskedFill_BroadcastMask_GradientsMatchAndFilledPositionsGetZero()
    {
        var rng = new Random(6);
        var mask = RandomMask(rng, 7);
        var x = GradCheck.Rand(rng, -1, 1, 3, 7);
        GradCheck.Check(t => TensorOps.MaskedFill(t[0], mask, -1e9), new[] { x });
        GradCheck.Check(t => TensorOps.MaskedFill(t[0].Transpose(0, 1), RandomMask(new Random(1), 7, 1), 0.25), new[] { GradCheck.Rand(rng, -1, 1, 3, 7) });

        var x2 = Tensor.FromArray(new[] { 1.0, 2, 3 }).RequireGrad();
        var y = TensorOps.MaskedFill(x2, Tensor.FromArray(new[] { 0, 1, 0 }), double.NegativeInfinity);
        Assert.Equal(new[] { 1.0, double.NegativeInfinity, 3 }, y.ToArray<double>());
        y.Backward(Tensor.FromArray(new[] { 4.0, 5, 6 }));
        Assert.Equal(new[] { 4.0, 0, 6 }, x2.Grad!.ToArray<double>());
    }

    [Fact]
    public void MaskedFill_MaskNotBroadcastableToX_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => TensorOps.MaskedFill(Tensor.Zeros(3), Tensor.FromArray(new[] { 1, 0, 1, 0, 1, 0 }, 2, 3), 0));
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Throws<ArgumentException>(() => TensorOps.MaskedFill(Tensor.FromArray(new[] { 1, 2 }), Tensor.FromArray(new[] { 1, 0 }), 0.5));   // 0.5 is no I32
    }

    [Fact]
    public void CausalMask_SquareAndWithCache_MarksStrictFuture()
    {
        Assert.Equal(new[] { 0, 1, 1, 0, 0, 1, 0, 0, 0 }, TensorOps.CausalMask(3, 3).ToArray<int>());
        // 2 new queries at positions 3 and 4 of a 5-key sequence.
        Assert.Equal(new[] { 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 }, TensorOps.CausalMask(2, 5).ToArray<int>());
        var m = TensorOps.CausalMask(4, 6);
        Assert.Equal(DType.I32, m.DType);
        Assert.Equal(new[] { 4, 6 }, m.Shape);
        Assert.Equal(0, TensorOps.CausalMask(0, 3).Numel);
        Assert.Throws<ArgumentException>(() => TensorOps.CausalMask(4, 3));
    }

    [Fact]
    public void CausalMask_WithMaskedFill_GivesFutureNegativeInfinity()
    {
        var scores = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 1, 2, 2);   // [heads, q, k]
        var y = scores.MaskedFill(TensorOps.CausalMask(2, 2), double.NegativeInfinity);
        Assert.Equal(new[] { 1, float.NegativeInfinity, 3, 4 }, y.ToArray());
    }
}
