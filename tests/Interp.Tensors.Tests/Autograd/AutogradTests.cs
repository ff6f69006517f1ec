using Interp.Tensors;

namespace Interp.Tensors.Tests.Autograd;

public class AutogradTests
{
    [Fact]
    public void Backward_Twice_WithoutRetainGraph_ThrowsClearError()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3 }).RequireGrad();
        var y = (x * x).Reshape(1, 3);
        var s = y.MatMul(Tensor.FromArray(new double[] { 1, 1, 1 }, 3, 1));
        s.Backward();
        var ex = Assert.Throws<InvalidOperationException>(() => s.Backward());
        Assert.Contains("second time", ex.Message);
    }

    [Fact]
    public void Backward_RetainGraph_AccumulatesGradients()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3 }, 1, 3).RequireGrad();
        var s = (x * x).MatMul(Tensor.FromArray(new double[] { 1, 1, 1 }, 3, 1));
        s.Backward(retainGraph: true);
        s.Backward();
        Assert.Equal(new double[] { 4, 8, 12 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void RetainGrad_Intermediate_HasGrad_AndSeedOfAnyShape()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 4 }, 2, 2).RequireGrad();
        var h = (x * 3.0).RetainGrad();
        var y = h * h;
        y.Backward(Tensor.FromArray(new double[] { 1, 0, 0, 2 }, 2, 2));
        Assert.Equal(new double[] { 6, 0, 0, 48 }, h.Grad!.ToArray<double>());   // 2h·seed
        Assert.Equal(new double[] { 18, 0, 0, 144 }, x.Grad!.ToArray<double>()); // ·3
    }

    [Fact]
    public void NoGrad_RecordsNothing_AndDetachCutsGraph()
    {
        var x = Tensor.FromArray(new double[] { 1, 2 }).RequireGrad();
        using (Tensor.NoGrad()) Assert.False((x * 2.0).RequiresGrad);
        Assert.True((x * 2.0).RequiresGrad);
        Assert.False(x.Detach().RequiresGrad);
    }

    [Fact]
    public void Backward_NonScalarWithoutSeed_Throws()
    {
        var x = Tensor.FromArray(new double[] { 1, 2 }).RequireGrad();
        Assert.Throws<InvalidOperationException>(() => (x * 2.0).Backward());
    }

    [Fact]
    public void Views_ReshapePermuteNarrowSelectExpand_GradientsMatch()
    {
        var rng = new Random(2);
        var a = GradCheck.Rand(rng, -1, 1, 2, 3, 4);
        GradCheck.Check(x => x[0].Permute(2, 0, 1).Narrow(0, 1, 2).Reshape(2, 6).Contiguous(), new[] { a });
        var b = GradCheck.Rand(rng, -1, 1, 3, 1);
        GradCheck.Check(x => x[0].Expand(2, 3, 5) * x[0].Unsqueeze(0), new[] { b });
        var c = GradCheck.Rand(rng, -1, 1, 4, 5);
        GradCheck.Check(x => x[0].Select(1, 3) * TensorOps.Slice(x[0], 1, -3, -1).Select(1, 0), new[] { c });
    }
}

public class ContiguousTransposeTests
{
    [Theory]
    [InlineData(37, 70)]
    [InlineData(2, 33)]
    [InlineData(64, 64)]
    public void Contiguous_TransposedMatrix_EqualsElementwiseTranspose_AllDTypes(int rows, int cols)
    {
        var src = new long[rows * cols];
        for (int i = 0; i < src.Length; i++) src[i] = i * 7 % 1009;
        foreach (var dt in new[] { DType.F32, DType.F64, DType.I64, DType.I32 })
        {
            using var a = TensorOps.To(Tensor.FromArray(src, rows, cols), dt);
            using var wide = TensorOps.Narrow(a, 1, 1, cols - 1);   // row stride larger than the view's width
            foreach (var m in new[] { a, wide })
            {
                int r = m.Shape[0], c = m.Shape[1];
                using var t = m.T;
                using var ct = t.Contiguous();
                Assert.True(ct.IsContiguous);
                var got = ct.ToArray();
                var full = m.ToArray();
                for (int i = 0; i < c; i++)
                    for (int j = 0; j < r; j++)
                        Assert.Equal(full[j * c + i], got[i * r + j]);
            }
        }
    }
}
