using Interp.Tensors;

namespace Interp.Tensors.Tests.Ops;

public class SparseFeaturesTests
{
    /// <summary>These kernels are float32-only, so they are checked against the same math composed from ops whose
    /// gradients are finite-difference-checked in float64; 1e-4 absolute covers float32 reassociation of ≤ 70 O(1) products.</summary>
    private const double Tol = 1e-5;

    private static Tensor R(Rng rng, params int[] shape) => rng.Normal(shape);

    [Theory]
    [InlineData(5, 7, 11, 3)]
    [InlineData(9, 33, 70, 8)]
    [InlineData(1, 1, 1, 1)]
    public void TopKLinear_MatchesDenseTopKRelu_ValuesAndGradients(int n, int dIn, int dSae, int k)
    {
        var rng = new Rng(3);
        var x = R(rng, n, dIn).RequireGrad(); var w = R(rng, dIn, dSae).RequireGrad(); var b = R(rng, dSae).RequireGrad();
        var (acts, idx) = TensorOps.TopKLinear(x, w, b, k);
        var seed = R(rng, n, k);
        acts.Backward(seed);

        // Dense reference: the same computation from general ops (TopK scatters its gradient into the kept positions).
        var x2 = x.Detach().RequireGrad(); var w2 = w.Detach().RequireGrad(); var b2 = b.Detach().RequireGrad();
        var (v, i2) = TensorOps.TopK(x2.MatMul(w2) + b2, k);
        var a2 = TensorOps.Relu(v);
        a2.Backward(seed);
        Assert.Equal(i2.ToArray<long>(), idx.ToArray<long>());
        GradCheck.AssertClose(a2.ToArray(), acts.ToArray(), Tol * 10, "acts");
        GradCheck.AssertClose(x2.Grad!.ToArray(), x.Grad!.ToArray(), Tol * 10, "dx");
        GradCheck.AssertClose(w2.Grad!.ToArray(), w.Grad!.ToArray(), Tol * 10, "dw");
        GradCheck.AssertClose(b2.Grad!.ToArray(), b.Grad!.ToArray(), Tol * 10, "db");
    }

    [Theory]
    [InlineData(4, 3, 10, 6)]
    [InlineData(17, 5, 67, 33)]
    public void SparseRowsMatMul_MatchesDenseScatterThenMatMul(int n, int k, int dSae, int dOut)
    {
        var rng = new Rng(5);
        var acts = R(rng, n, k).RequireGrad();
        var idx = rng.RandInt(new[] { n, k }, 0, dSae);               // repeats across rows exercise accumulation
        var w = R(rng, dSae, dOut).RequireGrad();
        var y = TensorOps.SparseRowsMatMul(acts, idx, w);
        var seed = R(rng, n, dOut);
        y.Backward(seed);

        var acts2 = acts.Detach().RequireGrad(); var w2 = w.Detach().RequireGrad();
        var dense = TensorOps.ScatterAdd(Tensor.Zeros(n, dSae), 1, idx, acts2);
        var y2 = dense.MatMul(w2);
        y2.Backward(seed);
        GradCheck.AssertClose(y2.ToArray(), y.ToArray(), Tol * 10, "y");
        GradCheck.AssertClose(acts2.Grad!.ToArray(), acts.Grad!.ToArray(), Tol * 10, "dacts");
        GradCheck.AssertClose(w2.Grad!.ToArray(), w.Grad!.ToArray(), Tol * 10, "dw");
    }

    [Fact]
    public void SparseRowsMatMul_IndexOutOfRange_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TensorOps.SparseRowsMatMul(Tensor.Ones(1, 2), Tensor.FromArray(new long[] { 0, 9 }, 1, 2), Tensor.Ones(4, 3)));
        Assert.Contains("9", e.Message);
    }

    [Fact]
    public void TopKLinear_BadShapes_Throw()
    {
        Assert.Throws<ArgumentException>(() => TensorOps.TopKLinear(Tensor.Ones(2, 3), Tensor.Ones(4, 5), Tensor.Ones(5), 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorOps.TopKLinear(Tensor.Ones(2, 3), Tensor.Ones(3, 5), Tensor.Ones(5), 6));
    }
}
