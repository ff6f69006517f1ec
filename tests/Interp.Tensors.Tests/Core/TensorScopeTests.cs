// TensorScope: what a scope frees, keeps, adopts and lets escape; nesting and threads; and the autograd tape across
// scopes (a kept loss backpropagates after its intermediates' handles were freed; unreachable nodes are freed).
// Pool counts are global, so these tests run alone (PoolCollection).
using Interp.Tensors;
using Interp.Tensors.Optim;

namespace Interp.Tensors.Tests.Core;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PoolCollection { public const string Name = "pool accounting (runs alone)"; }

[Collection(PoolCollection.Name)]
public class TensorScopeTests
{
    [Fact]
    public void Dispose_FreesWhatWasMadeInside_AndReturnsTheirBuffers()
    {
        long before = TensorMemory.OutstandingBuffers;
        Tensor a, b, view;
        using (TensorScope.Begin())
        {
            a = Tensor.Zeros(4, 8);
            b = a * 2.0;
            view = b.Narrow(0, 1, 2);
            Assert.Equal(before + 2, TensorMemory.OutstandingBuffers);
        }
        Assert.True(a.IsDisposed && b.IsDisposed && view.IsDisposed);
        Assert.Equal(before, TensorMemory.OutstandingBuffers);
    }

    [Fact]
    public void Keep_MovesToTheEnclosingScope_OutermostToTheCaller()
    {
        Tensor kept, inner;
        using (var outer = TensorScope.Begin())
        {
            using (var s = TensorScope.Begin())
            {
                inner = Tensor.Ones(3);
                kept = s.Keep(inner * 3.0);
            }
            Assert.True(inner.IsDisposed);
            Assert.False(kept.IsDisposed);
            Assert.Equal(new[] { 3f, 3f, 3f }, kept.ToArray());
            Assert.Same(kept, outer.Keep(kept));
        }
        Assert.False(kept.IsDisposed);            // the outermost Keep hands it to the caller
        kept.Dispose();
    }

    [Fact]
    public void Keep_TensorMadeBeforeTheScope_IsLeftAlone()
    {
        var before = Tensor.Ones(2);
        using (var s = TensorScope.Begin()) s.Keep(before);
        Assert.False(before.IsDisposed);
        before.Dispose();
    }

    [Fact]
    public void Keep_DisposedTensor_Throws()
    {
        using var s = TensorScope.Begin();
        var t = Tensor.Ones(2);
        t.Dispose();
        Assert.Contains("already disposed", Assert.Throws<InvalidOperationException>(() => s.Keep(t)).Message);
    }

    [Fact]
    public void Escape_TakesTheTensorOutOfEveryScope()
    {
        Tensor t;
        using (TensorScope.Begin())
        using (TensorScope.Begin())
            t = TensorScope.Escape(Tensor.Ones(2));
        Assert.False(t.IsDisposed);
        t.Dispose();
    }

    [Fact]
    public void Adopt_FreesATensorMadeOutsideWithTheScope()
    {
        var t = Tensor.Ones(2);
        using (var s = TensorScope.Begin()) s.Adopt(t);
        Assert.True(t.IsDisposed);
    }

    [Fact]
    public void Dispose_Outer_ClosesAnInnerScopeLeftOpen()
    {
        var outer = TensorScope.Begin();
        Tensor a = Tensor.Ones(1), b;
        TensorScope.Begin();                       // never disposed by hand
        b = Tensor.Ones(1);
        outer.Dispose();
        Assert.True(a.IsDisposed && b.IsDisposed);
        Assert.Null(TensorScope.Current);
    }

    [Fact]
    public void Scope_IsThreadLocal()
    {
        using var s = TensorScope.Begin();
        Tensor? other = null;
        var th = new Thread(() => other = Tensor.Ones(2));
        th.Start(); th.Join();
        s.Dispose();
        Assert.False(other!.IsDisposed);           // made on another thread: not this scope's
        other.Dispose();
        Exception? e = null;
        var t2 = new Thread(() => { try { s.Keep(Tensor.Ones(1)); } catch (Exception x) { e = x; } });
        t2.Start(); t2.Join();
        Assert.IsType<InvalidOperationException>(e);
    }

    [Fact]
    public void KeptLoss_BackwardAfterTheScope_GivesTheSameGradients()
    {
        var x = Tensor.FromArray(new double[] { 1, -2, 3, 0.5 }, 2, 2).RequireGrad();
        var w = Tensor.FromArray(new double[] { 0.5, 1, -1, 2 }, 2, 2).RequireGrad();
        // reference: no scope at all
        var refLoss = TensorOps.Sum(TensorOps.Tanh(x.MatMul(w)) * x);
        refLoss.Backward();
        double[] gx = x.Grad!.ToArray<double>(), gw = w.Grad!.ToArray<double>();
        x.ZeroGrad(); w.ZeroGrad();

        long before = TensorMemory.OutstandingBuffers;
        Tensor loss;
        using (var s = TensorScope.Begin())
        {
            var h = x.MatMul(w);
            var t = TensorOps.Tanh(h);
            var p = t * x;
            loss = s.Keep(TensorOps.Sum(p));
        }                                           // h, t, p handles freed; the tape keeps what backward reads
        loss.Backward();
        Assert.Equal(gx, x.Grad!.ToArray<double>());
        Assert.Equal(gw, w.Grad!.ToArray<double>());
        loss.Dispose(); x.ZeroGrad(); w.ZeroGrad();
        Assert.Equal(before, TensorMemory.OutstandingBuffers);
    }

    [Fact]
    public void GraphNobodyKept_IsFreedWithTheScope()
    {
        using var w = Tensor.Zeros(16, 16).RequireGrad();
        long before = TensorMemory.OutstandingBuffers;
        Tensor y;
        using (TensorScope.Begin())
        {
            using var x = Tensor.Ones(4, 16);
            y = TensorOps.Relu(x.MatMul(w));
        }
        Assert.Equal(before, TensorMemory.OutstandingBuffers);   // the nodes' retained inputs went back too
        Assert.Contains("second time", Assert.Throws<InvalidOperationException>(() => y.Backward(Tensor.Ones(4, 16))).Message);
    }

    [Fact]
    public void BackwardInsideAScope_LeafGradientsOutliveIt()
    {
        using var w = Tensor.Ones(3).RequireGrad();
        using (TensorScope.Begin())
        {
            var loss = TensorOps.Sum(w * w);
            loss.Backward();
        }
        Assert.Equal(new[] { 2f, 2f, 2f }, w.Grad!.ToArray());
    }

    [Fact]
    public void TrainingSteps_InAScope_ReturnThePoolToItsBaseline()
    {
        var rng = new Rng(3);
        using var w = rng.Normal(new[] { 8, 4 }).RequireGrad();
        using var x = rng.Normal(new[] { 16, 8 });
        using var opt = new Adam(new[] { w }, lr: 1e-2);
        void Step()
        {
            using var s = TensorScope.Begin();
            var loss = TensorOps.Mean((x.MatMul(w) - 1.0).Square());
            opt.ZeroGrad();
            loss.Backward();
            GradClip.ClipGlobalNorm(new[] { w }, 0.5);
            opt.Step();
        }
        Step();                                      // the optimizer's moments and w.Grad exist from here on
        long baseline = TensorMemory.OutstandingBuffers;
        for (int i = 0; i < 5; i++) Step();
        Assert.Equal(baseline, TensorMemory.OutstandingBuffers);
    }

    [Fact]
    public void LongScope_KeptGraphSurvivesCompaction()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3 }).RequireGrad();
        Tensor loss;
        using (var s = TensorScope.Begin())
        {
            var h = x * x;
            loss = s.Keep(TensorOps.Sum(h * 2.0));
            for (int i = 0; i < 5000; i++) Tensor.Zeros(2).Dispose();   // the scope's list is compacted meanwhile
        }
        loss.Backward();
        Assert.Equal(new double[] { 4, 8, 12 }, x.Grad!.ToArray<double>());
        loss.Dispose();
    }

    [Fact]
    public void Enter_MakesTensorsAsTheCaller_AndKeepsTheInterruptedScopesNodesTheyRead()
    {
        var w = Tensor.FromArray(new double[] { 1, 2 }).RequireGrad();
        Tensor side;
        using (var caller = TensorScope.Begin())
        {
            using (var inner = TensorScope.Begin())
            {
                var h = w * 3.0;                                   // inner's node, read by the side value below
                using (TensorScope.Enter(caller))
                {
                    side = TensorOps.Sum(h * h);
                    Assert.Throws<InvalidOperationException>(() => TensorScope.Enter(inner));   // inner does not enclose caller
                }
                Assert.Same(inner, TensorScope.Current);
            }
            Assert.False(side.IsDisposed);                        // the caller's
            side.Backward();                                       // 18·w
            Assert.Equal(new double[] { 18, 36 }, w.Grad!.ToArray<double>());
        }
        Assert.True(side.IsDisposed);
    }

    [Fact]
    public void LongScope_StaysUsable_AfterManyTensors()
    {
        using var s = TensorScope.Begin();
        for (int i = 0; i < 5000; i++) Tensor.Zeros(2).Dispose();
        var live = Tensor.Zeros(2);
        Assert.Equal(1, s.Count);
        Assert.False(live.IsDisposed);
    }
}
