using Interp.Tensors;
using static Interp.Tensors.Tests.Ops.ElementwiseCheck;

namespace Interp.Tensors.Tests.Ops;

public class UnaryTests
{
    /// <summary>float32 vs float64 on the same (float-rounded) inputs: TensorPrimitives' float kernels are within
    /// a few ulp; 4 ulp of float32 is 4·2⁻²³ ≈ 4.8e-7 relative.</summary>
    private const double F32Rtol = 4.8e-7;
    /// <summary>Absolute floor for results near 0 (e.g. log near 1), about one float32 ulp at 1.</summary>
    private const double F32Atol = 1.2e-7;
    /// <summary>float64 kernels against System.Math on hand values: a few ulp of double.</summary>
    private const double F64Rtol = 1e-15;

    [Fact] public void Exp_AllLayouts_GradientsMatchFiniteDifferences() => GradAllLayouts(TensorOps.Exp, Uniform(-3, 3));
    [Fact] public void Log_AllLayouts_GradientsMatchFiniteDifferences() => GradAllLayouts(TensorOps.Log, Uniform(0.2, 5));
    [Fact] public void Sqrt_AllLayouts_GradientsMatchFiniteDifferences() => GradAllLayouts(TensorOps.Sqrt, Uniform(0.2, 5));
    [Fact] public void Rsqrt_AllLayouts_GradientsMatchFiniteDifferences() => GradAllLayouts(TensorOps.Rsqrt, Uniform(0.2, 5));
    [Fact] public void Square_AllLayouts_GradientsMatchFiniteDifferences() => GradAllLayouts(TensorOps.Square, Uniform(-3, 3));
    [Fact] public void Abs_AllLayouts_GradientsMatchFiniteDifferences() => GradAllLayouts(TensorOps.Abs, AwayFrom(-3, 3, 1e-3, 0));

    [Fact]
    public void Clamp_AllLayouts_GradientsMatchFiniteDifferences()
        => GradAllLayouts(x => TensorOps.Clamp(x, -0.5, 0.7), AwayFrom(-2, 2, 1e-3, -0.5, 0.7));

    [Theory]
    [InlineData(0.0)] [InlineData(1.0)] [InlineData(2.0)] [InlineData(0.5)] [InlineData(-1.0)]
    [InlineData(3.0)] [InlineData(-1.5)] [InlineData(2.7)]
    public void Pow_AllLayouts_GradientsMatchFiniteDifferences(double p)
        => GradAllLayouts(x => TensorOps.Pow(x, p), Uniform(0.3, 3));

    [Fact]
    public void Pow_IntegerExponentOfNegativeBase_IsRealAndDifferentiable()
    {
        var x = Tensor.FromArray(new[] { -2.0, -0.5, 1.5 });
        Assert.Equal(new[] { -8.0, -0.125, 3.375 }, TensorOps.Pow(x, 3).ToArray<double>());
        GradAllLayouts(t => TensorOps.Pow(t, 3), Uniform(-2, 2));
    }

    [Fact]
    public void ElementwiseMath_HandValues_MatchSystemMath()
    {
        double[] v = { 0.25, 1, 2.5, 9, 1e-3, 40 };
        var x = Tensor.FromArray(v);
        void Check(Func<Tensor, Tensor> op, Func<double, double> reference, string what)
        {
            var y = op(x).ToArray<double>();
            for (int i = 0; i < v.Length; i++)
            {
                double e = reference(v[i]);
                Assert.True(Math.Abs(y[i] - e) <= F64Rtol * Math.Abs(e), $"{what}({v[i]}) = {y[i]:R}, expected {e:R}");
            }
        }
        Check(TensorOps.Exp, Math.Exp, "Exp");
        Check(TensorOps.Log, Math.Log, "Log");
        Check(TensorOps.Sqrt, Math.Sqrt, "Sqrt");
        Check(TensorOps.Rsqrt, d => 1 / Math.Sqrt(d), "Rsqrt");
        Check(TensorOps.Square, d => d * d, "Square");
        Check(t => TensorOps.Pow(t, 2.7), d => Math.Pow(d, 2.7), "Pow2.7");
        Check(t => TensorOps.Pow(t, -1), d => 1 / d, "Pow-1");
        Check(t => TensorOps.Clamp(t, 0.5, 3), d => Math.Clamp(d, 0.5, 3), "Clamp");
        Assert.Equal(new[] { 3.0, 0, 2.5 }, TensorOps.Abs(Tensor.FromArray(new[] { -3.0, 0, 2.5 })).ToArray<double>());
    }

    [Fact]
    public void AbsAndClamp_GradientsAtKinks_FollowConvention()
    {
        var x = Tensor.FromArray(new[] { -1.0, 0.0, 2.0 }).RequireGrad();
        TensorOps.Abs(x).Backward(Tensor.FromArray(new[] { 5.0, 5.0, 5.0 }));
        Assert.Equal(new[] { -5.0, 0.0, 5.0 }, x.Grad!.ToArray<double>());   // sign(x), 0 at 0

        var c = Tensor.FromArray(new[] { -0.5, -0.6, 0.7, 0.71, 0.1 }).RequireGrad();
        TensorOps.Clamp(c, -0.5, 0.7).Backward(Tensor.FromArray(new[] { 1.0, 1, 1, 1, 1 }));
        Assert.Equal(new[] { 1.0, 0, 1, 0, 1 }, c.Grad!.ToArray<double>());   // bounds are inside (inclusive)
    }

    [Fact]
    public void Pow_ZeroExponent_IsOneWithZeroGradient()
    {
        var x = Tensor.FromArray(new[] { 0.0, -2, 3 }).RequireGrad();
        var y = TensorOps.Pow(x, 0);
        Assert.Equal(new[] { 1.0, 1, 1 }, y.ToArray<double>());
        y.Backward(Tensor.FromArray(new[] { 1.0, 1, 1 }));
        Assert.Equal(new[] { 0.0, 0, 0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void Float32_MatchesFloat64WithinFewUlp()
    {
        var wide = Grid(-20, 20, 1001);
        var positive = Grid(1e-3, 50, 1001);
        Float32MatchesFloat64(TensorOps.Exp, wide, F32Rtol, 0, "Exp");
        Float32MatchesFloat64(TensorOps.Log, positive, F32Rtol, F32Atol, "Log");
        Float32MatchesFloat64(TensorOps.Sqrt, positive, F32Rtol, 0, "Sqrt");
        Float32MatchesFloat64(TensorOps.Rsqrt, positive, F32Rtol, 0, "Rsqrt");
        Float32MatchesFloat64(TensorOps.Square, wide, F32Rtol, 0, "Square");
        Float32MatchesFloat64(TensorOps.Abs, wide, 0, 0, "Abs");
        Float32MatchesFloat64(x => TensorOps.Clamp(x, -1.5, 2.25), wide, 0, 0, "Clamp");
        Float32MatchesFloat64(x => TensorOps.Pow(x, 2.7), Grid(1e-3, 8, 1001), F32Rtol, 0, "Pow");
    }

    [Fact]
    public void Float32_BackwardGivesFloat32Gradient()
    {
        var x = Tensor.FromArray(new[] { 0.5f, 1f, 2f }).RequireGrad();
        TensorOps.Log(TensorOps.Exp(x) * x).Backward(Tensor.FromArray(new[] { 1f, 1f, 1f }));   // d/dx (x + log x) = 1 + 1/x
        Assert.Equal(DType.F32, x.Grad!.DType);
        GradCheck.AssertClose(new[] { 3f, 2f, 1.5f }, x.Grad.ToArray(), 1e-6, "grad");
    }

    [Fact]
    public void Exp_LargeTensorSplitAcrossCores_MatchesSystemMath()
    {
        const int n = 100_003;   // odd, so chunk and block boundaries fall mid-vector
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = -5 + 10.0 * i / n;
        var y = TensorOps.Exp(Tensor.FromArray(v)).ToArray<double>();
        for (int i = 0; i < n; i++)
            if (Math.Abs(y[i] - Math.Exp(v[i])) > F64Rtol * Math.Exp(v[i])) Assert.Fail($"element {i}: {y[i]:R} vs {Math.Exp(v[i]):R}");
    }

    [Fact]
    public void Log_OfIntegerTensor_ThrowsNamingDTypeAndFix()
    {
        var x = Tensor.FromArray(new long[] { 1, 2, 3 });
        var ex = Assert.Throws<ArgumentException>(() => TensorOps.Log(x));
        Assert.Contains("Log", ex.Message);
        Assert.Contains("I64", ex.Message);
        Assert.Contains("To(", ex.Message);
    }

    [Fact]
    public void Clamp_MinAboveMax_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => TensorOps.Clamp(Tensor.Zeros(3), 2, 1));
        Assert.Contains("min <= max", ex.Message);
        Assert.Throws<ArgumentException>(() => TensorOps.Pow(Tensor.Zeros(3), double.NaN));
    }

    [Fact]
    public void FluentForms_ForwardToTensorOps()
    {
        var x = Tensor.FromArray(new[] { 0.5, 2.0 });
        Assert.Equal(TensorOps.Exp(x).ToArray<double>(), x.Exp().ToArray<double>());
        Assert.Equal(TensorOps.Log(x).ToArray<double>(), x.Log().ToArray<double>());
        Assert.Equal(TensorOps.Sqrt(x).ToArray<double>(), x.Sqrt().ToArray<double>());
        Assert.Equal(TensorOps.Rsqrt(x).ToArray<double>(), x.Rsqrt().ToArray<double>());
        Assert.Equal(new[] { 0.125, 8.0 }, x.Pow(3).ToArray<double>());
        Assert.Equal(new[] { 0.25, 4.0 }, x.Square().ToArray<double>());
        Assert.Equal(new[] { 0.5, 2.0 }, (-x).Abs().ToArray<double>());
        Assert.Equal(new[] { 0.5, 1.0 }, x.Clamp(0, 1).ToArray<double>());
    }
}
