// The one callback ownership rule (HookRun.cs): a hook runs as its caller. What it creates — a captured view, a side
// value with its autograd graph — belongs to the caller's TensorScope (or to the caller when it has none) and stays
// usable after the pass; what it returns is never disposed by the model; the model frees only its own tensors.
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Models.Tests.Hooks;

public class CallbackOwnershipTests
{
    private static Tensor Ids()
    {
        using var refs = SafetensorsFile.Open(Path.Combine(Fixture.Dir("gpt2-tiny"), "reference.safetensors"));
        return refs.Load("input_ids");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CapturedView_OutlivesThePass_AndEqualsTheCachedValue(bool callerScope)
    {
        using var m = ModelLoader.Load(Fixture.Dir("gpt2-tiny"));
        using var ids = Ids();
        string at = m.HookTable.Name(HookKind.MlpPost, 1);
        using var outer = callerScope ? TensorScope.Begin() : null;
        Tensor? captured = null;
        var (logits, cache) = m.RunWithCache(ids, n => n == at, false, (at, (x, _) => { captured = x.Detach(); return null; }));
        using (cache)
            Assert.Equal(cache[at].ToArray(), captured!.ToArray());    // still readable after the pass's scopes ended
        Assert.False(captured.IsDisposed);
        if (!callerScope) { captured.Dispose(); logits.Dispose(); }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SideValueWithGraph_BackpropagatesAfterThePass(bool callerScope)
    {
        // s = Σ x·w at blocks.1.hook_resid_pre, made inside a hook; gradients are taken at blocks.0.hook_resid_post (the
        // same values, cached upstream), where d s / d resid = w, whatever the model does after
        using var m = ModelLoader.Load(Fixture.Dir("gpt2-tiny"));
        using var ids = Ids();
        string at = m.HookTable.Name(HookKind.ResidPre, 1), up = m.HookTable.Name(HookKind.ResidPost, 0);
        using var w = new Rng(4).Normal(new[] { m.Config.DModel });
        using var outer = callerScope ? TensorScope.Begin() : null;
        Tensor? s = null;
        var (logits, cache) = m.RunWithCache(ids, n => n == up, withGrad: true, (at, (x, _) => { s = TensorOps.Sum(x * w); return null; }));
        using (cache)
        {
            s!.Backward();
            var g = cache.Grad(up)!.ToArray();                          // [batch, pos, d_model]: w at every position
            var wv = w.ToArray();
            for (int i = 0; i < g.Length; i++) Assert.Equal(wv[i % wv.Length], g[i]);
        }
        if (!callerScope) { s.Dispose(); logits.Dispose(); }
    }

    [Fact]
    public void ReturnedTensorTheHookHolds_IsNeverDisposedByTheModel()
    {
        using var m = ModelLoader.Load(Fixture.Dir("gpt2-tiny"));
        using var ids = Ids();
        string at = m.HookTable.Name(HookKind.ResidPost, 0);
        var (_, clean) = m.RunWithCache(ids, n => n == at);
        using (clean)
        using (TensorScope.Begin())
        {
            var held = clean[at];
            m.RunWithHooks(ids, (at, (_, _) => held));
            Assert.False(held.IsDisposed);
            Assert.Equal(clean[at].ToArray(), held.ToArray());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SideValue_OnAnActivationTheModelThenDrops_StillBackpropagates(bool callerScope)
    {
        // the hook at blocks.1.mlp.hook_post reads x (made in the block's scopes), keeps s = Σ x·w, and replaces x by
        // zeros: x's producers are then reachable only through s, yet s's gradient at resid_post(0) must be whole
        using var m = ModelLoader.Load(Fixture.Dir("gpt2-tiny"));
        using var ids = Ids();
        string at = m.HookTable.Name(HookKind.MlpPost, 1), up = m.HookTable.Name(HookKind.ResidPost, 0);
        using var w = new Rng(5).Normal(new[] { m.Config.DMlp });
        float[] GradAtUp(bool replace)
        {
            using var outer = callerScope ? TensorScope.Begin() : null;
            Tensor? s = null;
            var (logits, cache) = m.RunWithCache(ids, n => n == up, withGrad: true,
                (at, (x, _) => { s = TensorOps.Sum(x * w); return replace ? Tensor.Zeros(x.DType, x.Shape) : null; }));
            using (cache)
            {
                s!.Backward();
                var g = cache.Grad(up)!.ToArray();
                if (!callerScope) { s.Dispose(); logits.Dispose(); }
                return g;
            }
        }
        var kept = GradAtUp(replace: false);
        var dropped = GradAtUp(replace: true);
        Assert.Equal(kept, dropped);
        Assert.Contains(kept, v => v != 0);
    }
}
