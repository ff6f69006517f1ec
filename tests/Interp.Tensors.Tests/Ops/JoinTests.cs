using Interp.Tensors;

namespace Interp.Tensors.Tests.Ops;

public class JoinTests
{
    private static int[] Sizes(Tensor[] parts, int axis) => parts.Select(p => p.Shape[axis]).ToArray();

    // ---- Cat / Stack ----

    [Fact]
    public void Cat_HandComputed_BothAxes()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        var b = Tensor.FromArray(new float[] { 5, 6 }, 2, 1);
        Assert.Equal(new float[] { 1, 2, 5, 3, 4, 6 }, TensorOps.Cat(new[] { a, b }, 1).ToArray());
        Assert.Equal(new float[] { 1, 2, 3, 4, 1, 2, 3, 4 }, TensorOps.Cat(new[] { a, a }, 0).ToArray());
        var ids = TensorOps.Cat(new[] { Tensor.FromArray(new long[] { 7 }, 1), Tensor.FromArray(new long[] { 8, 9 }, 2) }, 0);
        Assert.Equal(new long[] { 7, 8, 9 }, ids.ToArray<long>());
    }

    [Theory]
    [InlineData(0, new[] { 1, 33, 70 }, new[] { 3 })]
    [InlineData(1, new[] { 2, 5, 1 }, new[] { 3, 4 })]
    [InlineData(-1, new[] { 67, 1, 3 }, new[] { 2, 2 })]
    public void Cat_Axes_GradientsMatchFiniteDifferences(int axis, int[] sizes, int[] rest)
    {
        var rng = new Random(sizes.Sum() + axis);
        int a = axis < 0 ? axis + rest.Length + 1 : axis;
        var leaves = sizes.Select(s =>
        {
            var shape = rest.ToList(); shape.Insert(a, s);
            return GradCheck.Rand(rng, -1, 1, shape.ToArray());
        }).ToArray();
        GradCheck.Check(x => TensorOps.Cat(x, axis), leaves);
    }

    [Fact]
    public void Cat_NonContiguousAndRepeatedInputs_GradientsMatch()
    {
        var rng = new Random(2);
        var a = GradCheck.Rand(rng, -1, 1, 5, 3); // used as [3, 5]
        var b = GradCheck.Rand(rng, -1, 1, 3, 2);
        GradCheck.Check(x => TensorOps.Cat(new[] { x[0].T, x[1], x[0].T }, 1), new[] { a, b });
    }

    [Fact]
    public void Stack_HandComputed_NewAxis()
    {
        var a = Tensor.FromArray(new float[] { 1, 2 }, 2);
        var b = Tensor.FromArray(new float[] { 3, 4 }, 2);
        var s0 = TensorOps.Stack(new[] { a, b }, 0);
        Assert.Equal(new[] { 2, 2 }, s0.Shape);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, s0.ToArray());
        var s1 = TensorOps.Stack(new[] { a, b }, -1);
        Assert.Equal(new[] { 2, 2 }, s1.Shape);
        Assert.Equal(new float[] { 1, 3, 2, 4 }, s1.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-1)]
    public void Stack_Axes_GradientsMatchFiniteDifferences(int axis)
    {
        var rng = new Random(10 + axis);
        var a = GradCheck.Rand(rng, -1, 1, 3, 35);
        var b = GradCheck.Rand(rng, -1, 1, 35, 3); // used transposed
        GradCheck.Check(x => TensorOps.Stack(new[] { x[0], x[1].T, x[0] }, axis), new[] { a, b });
    }

    [Fact]
    public void Cat_MismatchedShapes_ThrowsNamingBoth()
    {
        var ex = Assert.Throws<ArgumentException>(() => TensorOps.Cat(new[] { Tensor.Zeros(2, 3), Tensor.Zeros(2, 4) }, 0));
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[2, 4]", ex.Message);
        Assert.Throws<ArgumentException>(() => TensorOps.Cat(new[] { Tensor.Zeros(2, 3), Tensor.Zeros(2, 3, 1) }, 0));
        Assert.Throws<ArgumentException>(() => TensorOps.Cat(new[] { Tensor.Zeros(2), Tensor.Zeros(DType.F64, 2) }, 0));
        Assert.Throws<ArgumentException>(() => TensorOps.Cat(Array.Empty<Tensor>(), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorOps.Cat(new[] { Tensor.Zeros(2) }, 1));
        Assert.Throws<ArgumentException>(() => TensorOps.Stack(new[] { Tensor.Zeros(2), Tensor.Zeros(3) }, 0));
    }

    // ---- Split / Chunk ----

    [Fact]
    public void Split_BySize_LastPieceSmallerAndViews()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 20).Select(i => (float)i).ToArray(), 2, 10);
        var parts = TensorOps.Split(x, 3, 1);
        Assert.Equal(new[] { 3, 3, 3, 1 }, Sizes(parts, 1));
        Assert.Equal(new float[] { 9, 19 }, parts[3].ToArray());
        Assert.Equal(new float[] { 3, 4, 5, 13, 14, 15 }, parts[1].ToArray());
        Assert.All(parts, p => Assert.Same(x.Storage, p.Storage));
        Assert.Single(TensorOps.Split(x, 10, 1));
        Assert.Single(TensorOps.Split(x, 50, 1));
    }

    [Fact]
    public void Split_BySizes_AndChunk_TorchSemantics()
    {
        var x = Tensor.Zeros(10, 2);
        Assert.Equal(new[] { 2, 0, 8 }, Sizes(TensorOps.Split(x, new[] { 2, 0, 8 }, 0), 0));
        Assert.Equal(new[] { 3, 3, 3, 1 }, Sizes(TensorOps.Chunk(x, 4, 0), 0));
        Assert.Equal(new[] { 2, 2, 2 }, Sizes(TensorOps.Chunk(Tensor.Zeros(6), 4, 0), 0)); // ceil(6/4)=2: fewer than 4 chunks
        Assert.Equal(new[] { 1, 1 }, Sizes(TensorOps.Chunk(x, 5, 1), 1));
        Assert.Equal(new[] { 0, 0, 0 }, Sizes(TensorOps.Chunk(Tensor.Zeros(0), 3, 0), 0));
        Assert.Equal(new[] { 0 }, Sizes(TensorOps.Split(Tensor.Zeros(0), 2, 0), 0));
    }

    [Fact]
    public void SplitChunk_Pieces_GradientsMatchFiniteDifferences()
    {
        var rng = new Random(6);
        var x = GradCheck.Rand(rng, -1, 1, 4, 11);
        // Reverse the pieces and scale one so each piece's gradient is distinct.
        GradCheck.Check(t =>
        {
            var p = TensorOps.Split(t[0], 3, 1);
            return TensorOps.Cat(new[] { p[3], p[2] * 2.0, p[1], p[0] }, 1);
        }, new[] { x });
        var y = GradCheck.Rand(rng, -1, 1, 7, 5);
        GradCheck.Check(t =>
        {
            var p = TensorOps.Split(t[0].T, new[] { 4, 3 }, 1); // non-contiguous view
            var c = TensorOps.Chunk(p[0], 2, 1);
            return TensorOps.Cat(new[] { c[1] * c[0], p[1] }, 1);
        }, new[] { y });
    }

    [Fact]
    public void SplitChunk_BadArguments_Throw()
    {
        var x = Tensor.Zeros(10);
        Assert.Throws<ArgumentException>(() => TensorOps.Split(x, 0, 0));
        var ex = Assert.Throws<ArgumentException>(() => TensorOps.Split(x, new[] { 3, 3 }, 0));
        Assert.Contains("10", ex.Message);
        Assert.Throws<ArgumentException>(() => TensorOps.Split(x, new[] { 12, -2 }, 0));
        Assert.Throws<ArgumentException>(() => TensorOps.Chunk(x, 0, 0));
    }
}
