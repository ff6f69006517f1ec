using Interp.Tensors;

namespace Interp.Tensors.Tests.Ops;

public class MatMulTests
{
    [Theory]
    [InlineData(new[] { 3, 4 }, new[] { 4, 5 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 4, 5 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 2, 4, 5 })]
    [InlineData(new[] { 2, 1, 3, 4 }, new[] { 3, 4, 2 })]
    [InlineData(new[] { 1, 17 }, new[] { 17, 1 })]
    public void MatMul_Shapes_GradientsMatchFiniteDifferences(int[] sa, int[] sb)
    {
        var rng = new Random(5);
        var a = GradCheck.Rand(rng, -1, 1, sa);
        var b = GradCheck.Rand(rng, -1, 1, sb);
        GradCheck.Check(x => TensorOps.MatMul(x[0], x[1]), new[] { a, b });
    }

    [Fact]
    public void MatMul_TransposedViews_GradientsMatch()
    {
        var rng = new Random(9);
        var a = GradCheck.Rand(rng, -1, 1, 6, 3);  // used as [3,6]
        var b = GradCheck.Rand(rng, -1, 1, 2, 5, 6); // used as [2,6,5]
        GradCheck.Check(x => TensorOps.MatMul(x[0].T, x[1].Transpose(1, 2)), new[] { a, b });
    }

    [Fact]
    public void MatMul_HandComputed()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = Tensor.FromArray(new float[] { 7, 8, 9, 10, 11, 12 }, 3, 2);
        Assert.Equal(new float[] { 58, 64, 139, 154 }, a.MatMul(b).ToArray());
    }

    [Fact]
    public void MatMul_InnerMismatch_ThrowsWithShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).MatMul(Tensor.Zeros(4, 2)));
        Assert.Contains("3 vs 4", ex.Message);
    }
}
