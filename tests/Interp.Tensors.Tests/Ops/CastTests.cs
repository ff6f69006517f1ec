using Interp.Tensors;

namespace Interp.Tensors.Tests.Ops;

public class CastTests
{
    [Fact]
    public void To_SameDType_IsAView_GradientsMatchFiniteDifferences()
    {
        var rng = new Random(2);
        GradCheck.Check(t => t[0].To(DType.F64), new[] { GradCheck.Rand(rng, -1, 1, 5) });
        GradCheck.Check(t => t[0].Transpose(0, 1).To(DType.F64).Exp(), new[] { GradCheck.Rand(rng, -1, 1, 4, 9) });
        var x = Tensor.FromArray(new[] { 1.0, 2 });
        Assert.Same(x.Storage, x.To(DType.F64).Storage);
    }

    [Fact]
    public void To_FloatRoundTrip_GradientComesBackInInputDType()
    {
        // A central difference through float32 rounding would be noise, so check the chain by hand:
        // y = (x.To(F32))² · 3 in float32, dy/dx = 6x delivered as F64.
        var x = Tensor.FromArray(new[] { 0.5, -2.0, 3.25 }).RequireGrad();
        var y = x.To(DType.F32).Square() * 3.0;
        Assert.Equal(DType.F32, y.DType);
        y.Backward(Tensor.FromArray(new[] { 1f, 1f, 1f }));
        Assert.Equal(DType.F64, x.Grad!.DType);
        Assert.Equal(new[] { 3.0, -12.0, 19.5 }, x.Grad.ToArray<double>());

        var x32 = Tensor.FromArray(new[] { 1.5f, -1f }).RequireGrad();
        x32.To(DType.F64).Exp().Backward(Tensor.FromArray(new[] { 2.0, 1.0 }));
        Assert.Equal(DType.F32, x32.Grad!.DType);
        GradCheck.AssertClose(new[] { (float)(2 * Math.Exp(1.5)), (float)Math.Exp(-1) }, x32.Grad.ToArray(), 1e-6, "grad");
    }

    [Fact]
    public void To_HandValues_AllPairs()
    {
        var f = Tensor.FromArray(new[] { 2.7f, -2.7f, 0f, 1e6f });
        Assert.Equal(new[] { 2, -2, 0, 1000000 }, f.To(DType.I32).ToArray<int>());     // truncation toward zero
        Assert.Equal(new long[] { 2, -2, 0, 1000000 }, f.To(DType.I64).ToArray<long>());
        Assert.Equal(new[] { 2.7f, -2.7f, 0f, 1e6f }, f.To(DType.F64).To(DType.F32).ToArray());
        Assert.Equal(new double[] { (float)2.7, (float)-2.7, 0, 1e6 }, f.To(DType.F64).ToArray<double>());

        var d = Tensor.FromArray(new[] { 0.1, 1e300, -3.9 });
        Assert.Equal(new[] { 0.1f, float.PositiveInfinity, -3.9f }, d.To(DType.F32).ToArray());
        Assert.Equal(new long[] { 7, -1 }, Tensor.FromArray(new[] { 7, -1 }).To(DType.I64).ToArray<long>());
        Assert.Equal(new[] { 7, -1, int.MaxValue }, Tensor.FromArray(new long[] { 7, -1, int.MaxValue }).To(DType.I32).ToArray<int>());
        Assert.Equal(new[] { 7f, 16777216f }, Tensor.FromArray(new long[] { 7, 16777217 }).To(DType.F32).ToArray());
        Assert.Equal(new[] { -9.0, 3 }, Tensor.FromArray(new[] { -9, 3 }).To(DType.F64).ToArray<double>());
        Assert.Equal(new long[] { -9223372036854775808 }, Tensor.FromArray(new[] { -9223372036854775808.0 }).To(DType.I64).ToArray<long>());
    }

    [Fact]
    public void To_NonContiguousInput_ConvertsInLogicalOrder()
    {
        var x = Tensor.FromArray(new[] { 1.0, 2, 3, 4, 5, 6 }, 2, 3).Transpose(0, 1);
        Assert.Equal(new[] { 1, 4, 2, 5, 3, 6 }, x.To(DType.I32).ToArray<int>());
        Assert.Equal(new[] { 3, 2 }, x.To(DType.I32).Shape);
    }

    [Fact]
    public void To_IntegerOutput_DoesNotRequireGrad()
    {
        var x = Tensor.FromArray(new[] { 1.5, 2.5 }).RequireGrad();
        Assert.False(x.To(DType.I64).RequiresGrad);
        Assert.True(x.To(DType.F32).RequiresGrad);
    }

    [Fact]
    public void To_BadValuesOrTargets_ThrowClearly()
    {
        var nan = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new[] { 1f, float.NaN }).To(DType.I32));
        Assert.Contains("NaN", nan.Message);
        var big = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new[] { 3e9 }).To(DType.I32));
        Assert.Contains("I32", big.Message);
        Assert.Throws<ArgumentException>(() => Tensor.FromArray(new[] { -2147483649.0 }).To(DType.I32));
        Assert.Equal(new[] { int.MinValue }, Tensor.FromArray(new[] { -2147483648.9 }).To(DType.I32).ToArray<int>());   // truncates into range
        Assert.Throws<ArgumentException>(() => Tensor.FromArray(new[] { float.PositiveInfinity }).To(DType.I64));
        Assert.Throws<ArgumentException>(() => Tensor.FromArray(new long[] { 1L << 40 }).To(DType.I32));
        var f16 = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2).To(DType.F16));
        Assert.Contains("storage-only", f16.Message);
    }
}
