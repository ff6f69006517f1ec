using Interp.Tensors;
using static Interp.Tensors.Tests.Ops.ElementwiseCheck;

namespace Interp.Tensors.Tests.Ops;

public class ActivationTests
{
    /// <summary>float32 vs float64 for the transcendental activations: a few ulp of the result (4 ulp ≈ 4.8e-7 relative)
    /// plus an absolute floor of ~1 float32 ulp at 1 where the result passes near 0.</summary>
    private const double F32Rtol = 4.8e-7, F32Atol = 1.2e-7;
    /// <summary>float64 hand values (references from 80-digit arithmetic): a few ulp of double.</summary>
    private const double F64Rtol = 2e-15;
    /// <summary>The brief's bar for GeluNew against PyTorch's float32 gelu(approximate='tanh'), scaled by max(1, |y|)
    /// because float32 itself cannot resolve 1e-6 absolute above |y| ≈ 8.</summary>
    private const double GeluNewTol = 1e-6;

    [Fact] public void Tanh_AllLayouts_GradientsMatchFiniteDifferences() => GradAllLayouts(TensorOps.Tanh, Uniform(-3, 3));
    [Fact] public void Sigmoid_AllLayouts_GradientsMatchFiniteDifferences() => GradAllLayouts(TensorOps.Sigmoid, Uniform(-6, 6));
    [Fact] public void Relu_AllLayouts_GradientsMatchFiniteDifferences() => GradAllLayouts(TensorOps.Relu, AwayFrom(-3, 3, 1e-3, 0));
    [Fact] public void Silu_AllLayouts_GradientsMatchFiniteDifferences() => GradAllLayouts(TensorOps.Silu, Uniform(-6, 6));
    [Fact] public void Gelu_AllLayouts_GradientsMatchFiniteDifferences() => GradAllLayouts(TensorOps.Gelu, Uniform(-5, 5));
    [Fact] public void GeluNew_AllLayouts_GradientsMatchFiniteDifferences() => GradAllLayouts(TensorOps.GeluNew, Uniform(-5, 5));
    [Fact] public void Erf_AllLayouts_GradientsMatchFiniteDifferences() => GradAllLayouts(TensorOps.Erf, Uniform(-3.5, 3.5));

    [Fact]
    public void Gelu_GradientAcrossSeriesAndFractionBranches_MatchesFiniteDifferences()
    {
        // x/√2 crosses the erf split at |x| = 2.5·√2 ≈ 3.54: sample densely around it and in the far tails.
        var x = Tensor.FromArray(new[] { -9.0, -6.5, -3.6, -3.5355, -3.5, -0.01, 0.0, 0.01, 3.5, 3.5355, 3.6, 6.5, 9.0 });
        GradCheck.Check(t => TensorOps.Gelu(t[0]), new[] { x });
    }

    [Theory]
    [InlineData(1.0, 0.8413447460685429)]
    [InlineData(-1.0, -0.15865525393145705)]
    [InlineData(2.0, 1.9544997361036416)]
    [InlineData(-3.0, -0.0040496940948902835)]
    [InlineData(0.5, 0.34573123063700656)]
    [InlineData(-0.1, -0.0460172162722971)]
    [InlineData(-10.0, -7.619853024160526e-23)]   // far tail: erfc form keeps relative precision
    public void Gelu_HandValues_MatchHighPrecisionReference(double x, double expected)
    {
        double y = TensorOps.Gelu(Tensor.FromArray(new[] { x })).ToArray<double>()[0];
        Assert.True(Math.Abs(y - expected) <= 4 * F64Rtol * Math.Abs(expected), $"Gelu({x}) = {y:R}, expected {expected:R}");
    }

    [Fact]
    public void SimpleActivations_HandValues_MatchClosedForms()
    {
        var x = Tensor.FromArray(new[] { -2.0, 0.0, 0.5, 3.0 });
        void Check(Func<Tensor, Tensor> op, Func<double, double> f, string what)
        {
            var y = op(x).ToArray<double>(); var xs = x.ToArray<double>();
            for (int i = 0; i < xs.Length; i++)
                Assert.True(Math.Abs(y[i] - f(xs[i])) <= F64Rtol * Math.Max(1e-300, Math.Abs(f(xs[i]))), $"{what}({xs[i]}) = {y[i]:R}, expected {f(xs[i]):R}");
        }
        Check(TensorOps.Tanh, Math.Tanh, "Tanh");
        Check(TensorOps.Sigmoid, v => 1 / (1 + Math.Exp(-v)), "Sigmoid");
        Check(TensorOps.Silu, v => v / (1 + Math.Exp(-v)), "Silu");
        Check(TensorOps.Relu, v => Math.Max(v, 0), "Relu");
        Check(TensorOps.GeluNew, GeluNewReference, "GeluNew");
    }

    [Fact]
    public void Relu_GradientAtZero_IsZero_AndNaNPropagates()
    {
        var x = Tensor.FromArray(new[] { -1.0, 0.0, 2.0, double.NaN }).RequireGrad();
        var y = TensorOps.Relu(x);
        Assert.True(double.IsNaN(y.ToArray<double>()[3]));
        y.Backward(Tensor.FromArray(new[] { 7.0, 7, 7, 7 }));
        Assert.Equal(new[] { 0.0, 0, 7, 0 }, x.Grad!.ToArray<double>());
    }

    /// <summary>gelu_new in double: what PyTorch's float32 gelu(approximate='tanh') rounds.</summary>
    private static double GeluNewReference(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

    [Fact]
    public void GeluNew_Float32_MatchesTanhApproximationWithin1e6()
    {
        var v = Grid(-12, 12, 2401);
        var y = TensorOps.GeluNew(Tensor.FromArray(v.Select(d => (float)d).ToArray())).ToArray<float>();
        for (int i = 0; i < v.Length; i++)
        {
            double e = GeluNewReference((float)v[i]);
            Assert.True(Math.Abs(y[i] - e) <= GeluNewTol * Math.Max(1, Math.Abs(e)), $"GeluNew({(float)v[i]}) = {y[i]:G9}, expected {e:G9}");
        }
    }

    [Fact]
    public void Float32_MatchesFloat64WithinFewUlp()
    {
        var v = Grid(-12, 12, 2401);
        Float32MatchesFloat64(TensorOps.Tanh, v, F32Rtol, F32Atol, "Tanh");
        Float32MatchesFloat64(TensorOps.Sigmoid, v, F32Rtol, F32Atol, "Sigmoid");
        Float32MatchesFloat64(TensorOps.Relu, v, 0, 0, "Relu");
        Float32MatchesFloat64(TensorOps.Silu, v, F32Rtol, F32Atol, "Silu");
        Float32MatchesFloat64(TensorOps.Gelu, v, F32Rtol, F32Atol, "Gelu");
        Float32MatchesFloat64(TensorOps.GeluNew, v, F32Rtol, F32Atol, "GeluNew");
        Float32MatchesFloat64(TensorOps.Erf, v, F32Rtol, F32Atol, "Erf");
    }

    [Fact]
    public void Float32_ActivationGradients_MatchFloat64()
    {
        var v = Grid(-6, 6, 97);
        foreach (var (op, name) in new (Func<Tensor, Tensor>, string)[]
                 { (TensorOps.Tanh, "Tanh"), (TensorOps.Sigmoid, "Sigmoid"), (TensorOps.Silu, "Silu"), (TensorOps.Gelu, "Gelu"), (TensorOps.GeluNew, "GeluNew") })
        {
            var x32 = Tensor.FromArray(v.Select(d => (float)d).ToArray()).RequireGrad();
            var x64 = Tensor.FromArray(v.Select(d => (double)(float)d).ToArray()).RequireGrad();
            op(x32).Backward(Tensor.FromArray(Enumerable.Repeat(1f, v.Length).ToArray()));
            op(x64).Backward(Tensor.FromArray(Enumerable.Repeat(1.0, v.Length).ToArray()));
            // Derivatives are O(1) here and assembled from a few float ops: a few float32 ulp at 1 absolute.
            GradCheck.AssertClose(x64.Grad!.ToArray(), x32.Grad!.ToArray(), 1e-6, name + "'");
        }
    }

    [Fact]
    public void Activation_OfIntegerTensor_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => TensorOps.Gelu(Tensor.FromArray(new[] { 1, 2 })));
        Assert.Contains("I32", ex.Message);
    }

    [Fact]
    public void FluentForms_ForwardToTensorOps()
    {
        var x = Tensor.FromArray(new[] { -0.5, 2.0 });
        foreach (var (fluent, op) in new (Func<Tensor, Tensor>, Func<Tensor, Tensor>)[]
                 {
                     (t => t.Tanh(), TensorOps.Tanh), (t => t.Sigmoid(), TensorOps.Sigmoid), (t => t.Relu(), TensorOps.Relu),
                     (t => t.Silu(), TensorOps.Silu), (t => t.Gelu(), TensorOps.Gelu), (t => t.GeluNew(), TensorOps.GeluNew), (t => t.Erf(), TensorOps.Erf),
                 })
            Assert.Equal(op(x).ToArray<double>(), fluent(x).ToArray<double>());
        Assert.Equal(new[] { 0.0, 2.0 }, x.Relu().ToArray<double>());
    }
}
