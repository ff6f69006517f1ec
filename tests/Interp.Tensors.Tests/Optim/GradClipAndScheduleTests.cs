// Global-norm clipping against hand values (including gradients that alias one storage) and the
// learning-rate schedules at chosen steps.
using Interp.Tensors.Optim;

namespace Interp.Tensors.Tests.Optim;

public class GradClipAndScheduleTests
{
    /// <summary>Clipping computes in double for F64 and scales F32 by a double factor: ~1e-7 relative for F32.</summary>
    private const double Tol = 1e-6;

    [Fact]
    public void ClipGlobalNorm_AboveMax_ScalesEveryGradByMaxOverNorm()
    {
        var a = Tensor.Zeros(2).RequireGrad(); var b = Tensor.Zeros(1).RequireGrad();
        a.Grad = Tensor.FromArray(new float[] { 3, 4 });
        b.Grad = Tensor.FromArray(new float[] { 12 });
        double total = GradClip.ClipGlobalNorm(new[] { a, b }, maxNorm: 6.5);
        Assert.Equal(13.0, total, 1e-12);             // √(9 + 16 + 144)
        double c = 6.5 / (13.0 + 1e-6);               // torch's coefficient
        GradCheck.AssertClose(new[] { (float)(3 * c), (float)(4 * c) }, a.Grad!.ToArray(), Tol, "a.grad");
        GradCheck.AssertClose(new[] { (float)(12 * c) }, b.Grad!.ToArray(), Tol, "b.grad");
        Assert.Equal(6.5, GradClip.GlobalNorm(new[] { a, b }), 1e-5);
    }

    [Fact]
    public void ClipGlobalNorm_BelowMax_LeavesGradsUntouched()
    {
        var a = Tensor.Zeros(DType.F64, 3).RequireGrad();
        var g = Tensor.FromArray(new double[] { 1, -2, 2 });
        a.Grad = g;
        var noGrad = Tensor.Zeros(4).RequireGrad();
        Assert.Equal(3.0, GradClip.ClipGlobalNorm(new[] { a, noGrad }, maxNorm: 3.5), 1e-12);
        Assert.Same(g, a.Grad);
        Assert.Equal(new double[] { 1, -2, 2 }, a.Grad!.ToArray<double>());
    }

    [Fact]
    public void ClipGlobalNorm_GradsSharingOneStorage_EachScaledOnce()
    {
        // y = a + b: backward hands both leaves views of the same gradient storage.
        var a = Tensor.FromArray(new float[] { 1, 2 }).RequireGrad();
        var b = Tensor.FromArray(new float[] { 3, 4 }).RequireGrad();
        var y = a + b;
        y.Backward(Tensor.FromArray(new float[] { 3, 4 }));
        double total = GradClip.ClipGlobalNorm(new[] { a, b }, maxNorm: 1);
        Assert.Equal(Math.Sqrt(50), total, 1e-6);
        double c = 1 / (Math.Sqrt(50) + 1e-6);
        GradCheck.AssertClose(new[] { (float)(3 * c), (float)(4 * c) }, a.Grad!.ToArray(), Tol, "a.grad");
        GradCheck.AssertClose(new[] { (float)(3 * c), (float)(4 * c) }, b.Grad!.ToArray(), Tol, "b.grad");
    }

    [Fact]
    public void ClipGlobalNorm_NonContiguousF64Grad_UsesLogicalValues()
    {
        var p = Tensor.Zeros(DType.F64, 2, 2).RequireGrad();
        p.Grad = Tensor.FromArray(new double[] { 0, 1, 2, 3 }, 2, 2).Transpose(0, 1);
        double total = GradClip.ClipGlobalNorm(new[] { p }, maxNorm: 1);
        Assert.Equal(Math.Sqrt(14), total, 1e-12);
        double c = 1 / (Math.Sqrt(14) + 1e-6);
        var got = p.Grad!.ToArray<double>();
        double[] expect = { 0, 2 * c, 1 * c, 3 * c };
        for (int i = 0; i < 4; i++) Assert.Equal(expect[i], got[i], 1e-12);
    }

    [Fact]
    public void ClipGlobalNorm_NonFiniteWithErrorFlag_Throws()
    {
        var p = Tensor.Zeros(2).RequireGrad();
        p.Grad = Tensor.FromArray(new[] { float.NaN, 1f });
        Assert.Contains("NaN", Assert.Throws<InvalidOperationException>(() => GradClip.ClipGlobalNorm(new[] { p }, 1, errorIfNonFinite: true)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradClip.ClipGlobalNorm(new[] { p }, -1));
    }

    [Fact]
    public void ConstantLr_AnyStep_SameValue()
    {
        var s = new ConstantLr(3e-4);
        Assert.Equal(3e-4, s.Lr(0));
        Assert.Equal(3e-4, s.Lr(1_000_000));
    }

    [Fact]
    public void LinearWarmup_ChosenSteps_RampThenHold()
    {
        var s = new LinearWarmup(1.0, warmupSteps: 4);
        Assert.Equal(new[] { 0.25, 0.5, 0.75, 1.0, 1.0, 1.0 }, Enumerable.Range(0, 6).Select(s.Lr));
        Assert.Equal(2.0, new LinearWarmup(2.0, 0).Lr(0)); // no warmup
    }

    [Fact]
    public void WarmupCosine_ChosenSteps_MatchFormula()
    {
        var s = new WarmupCosine(1.0, warmupSteps: 2, totalSteps: 6, minLr: 0.1);
        Assert.Equal(0.5, s.Lr(0), 1e-15);
        Assert.Equal(1.0, s.Lr(1), 1e-15);
        Assert.Equal(1.0, s.Lr(2), 1e-15);                                          // progress 0
        Assert.Equal(0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI / 4)), s.Lr(3), 1e-15); // progress 1/4
        Assert.Equal(0.55, s.Lr(4), 1e-15);                                         // progress 1/2: halfway
        Assert.Equal(0.1 + 0.9 * 0.5 * (1 + Math.Cos(3 * Math.PI / 4)), s.Lr(5), 1e-15);
        Assert.Equal(0.1, s.Lr(6), 1e-15);
        Assert.Equal(0.1, s.Lr(10_000), 1e-15);
    }

    [Fact]
    public void Schedules_BadArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosine(1, 10, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosine(1, 0, 5, minLr: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearWarmup(1, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantLr(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantLr(1).Lr(-1));
    }
}
