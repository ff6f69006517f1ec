using Interp.Tensors;

namespace Interp.Tensors.Tests.Ops;

public class BinaryTests
{
    public static TheoryData<int[], int[]> BroadcastShapes => new()
    {
        { new[] { 3, 4 }, new[] { 3, 4 } },
        { new[] { 2, 3, 5 }, new[] { 5 } },
        { new[] { 2, 1, 5 }, new[] { 3, 1 } },
        { new[] { 1 }, new[] { 4, 67 } },
        { new[] { 17, 1 }, new[] { 1, 33 } },
    };

    [Theory]
    [MemberData(nameof(BroadcastShapes))]
    public void AddSubMulDiv_Broadcasting_GradientsMatchFiniteDifferences(int[] sa, int[] sb)
    {
        var rng = new Random(7);
        foreach (var op in new Func<Tensor, Tensor, Tensor>[] { TensorOps.Add, TensorOps.Sub, TensorOps.Mul, TensorOps.Div })
        {
            var a = GradCheck.Rand(rng, -2, 2, sa);
            var b = GradCheck.Rand(rng, 0.5, 2, sb);
            GradCheck.Check(x => op(x[0], x[1]), new[] { a, b });
        }
    }

    [Fact]
    public void Add_NonContiguousTransposedInput_GradientsMatch()
    {
        var rng = new Random(3);
        var a = GradCheck.Rand(rng, -1, 1, 5, 7);
        var b = GradCheck.Rand(rng, -1, 1, 7, 5);
        GradCheck.Check(x => TensorOps.Mul(x[0].Transpose(0, 1), x[1]), new[] { a, b });
    }

    [Fact]
    public void Mul_Broadcast_ValuesMatchHandComputed()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = Tensor.FromArray(new float[] { 10, 100, 1000 }, 3);
        Assert.Equal(new float[] { 10, 200, 3000, 40, 500, 6000 }, (a * b).ToArray());
        Assert.Equal(new float[] { 11, 102, 1003, 14, 105, 1006 }, (a + b).ToArray());
        Assert.Equal(new float[] { -9, -98, -997, -6, -95, -994 }, (a - b).ToArray());
    }

    [Fact]
    public void Add_IncompatibleShapes_ThrowsNamingBoth()
    {
        var a = Tensor.Zeros(2, 3); var b = Tensor.Zeros(4);
        var ex = Assert.Throws<ArgumentException>(() => a + b);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4]", ex.Message);
    }

    [Fact]
    public void ScalarForms_GradientsMatch()
    {
        var rng = new Random(11);
        var a = GradCheck.Rand(rng, 0.5, 2, 4, 9);
        GradCheck.Check(x => 3.0 - (x[0] * 2.5 + 1.0) / 4.0, new[] { a });
    }
}
