// Hook lifetime and failure behaviour (scopes end, bad hooks fail clearly and leave the model usable),
// whole-prompt patching on every fixture, and gradients at hooks that an intervention edited.
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Models.Tests.Runtime;

public class HookScopeTests
{
    private const string ResidPre = "blocks.0.hook_resid_pre";
    private static readonly long[] Row = { 1, 3, 0, 4, 2 };

    private static float[] Logits(HookedTransformer m, Tensor ids, params (string, HookFn)[] hooks)
    {
        using var l = m.RunWithHooks(ids, hooks);
        return l.ToArray();
    }

    [Fact]
    public void Hooks_AfterScopeDisposed_ModelGivesOriginalLogits()
    {
        var m = new TinyGpt2().Model;
        using var ids = TinyGpt2.Ids(Row);
        var before = Logits(m, ids);
        float[] during;
        using (m.Hooks((ResidPre, Interventions.ZeroAblate())))
            during = Logits(m, ids);
        Assert.NotEqual(before, during);
        Assert.Equal(before, Logits(m, ids));
    }

    [Fact]
    public void Hooks_NestedScopes_InnerEndsOuterStays()
    {
        var m = new TinyGpt2().Model;
        using var ids = TinyGpt2.Ids(Row);
        using var vec = Tensor.FromArray(new[] { 1f, 0f, 0f, 0f }, 4);
        var before = Logits(m, ids);
        using (m.Hooks((ResidPre, Interventions.Steer(vec, 1.0))))
        {
            var outerOnly = Logits(m, ids);
            using (m.Hooks(("blocks.0.hook_resid_post", Interventions.Steer(vec, 2.0))))
                Assert.NotEqual(outerOnly, Logits(m, ids));
            Assert.Equal(outerOnly, Logits(m, ids));
        }
        Assert.Equal(before, Logits(m, ids));
    }

    [Fact]
    public void Hooks_TwoAtOneSite_RunInOrderGiven()
    {
        var m = new TinyGpt2().Model;
        using var ids = TinyGpt2.Ids(Row);
        using var vec = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f }, 4);
        var (_, c1) = m.RunWithCache(ids, n => n == ResidPre, false, (ResidPre, Interventions.Steer(vec, 1.0)), (ResidPre, Interventions.ZeroAblate()));
        var (_, c2) = m.RunWithCache(ids, n => n == ResidPre, false, (ResidPre, Interventions.ZeroAblate()), (ResidPre, Interventions.Steer(vec, 1.0)));
        using (c1) using (c2)
        {
            Assert.All(c1[ResidPre].ToArray(), x => Assert.Equal(0f, x));
            Assert.Equal(Enumerable.Repeat(new[] { 1f, 2f, 3f, 4f }, Row.Length).SelectMany(x => x), c2[ResidPre].ToArray());
        }
    }

    [Fact]
    public void Hook_ReturnsNull_KeepsActivation()
    {
        var m = new TinyGpt2().Model;
        using var ids = TinyGpt2.Ids(Row);
        int calls = 0;
        var withHook = Logits(m, ids, (ResidPre, (x, _) => { calls++; return null; }));
        Assert.Equal(1, calls);
        Assert.Equal(Logits(m, ids), withHook);
    }

    [Fact]
    public void Hook_ReturnsCachedTensorItself_PatchesAndCacheStaysIntact()
    {
        var m = new TinyGpt2().Model;
        using var clean = TinyGpt2.Ids(Row);
        using var corrupt = TinyGpt2.Ids(new long[] { 4, 4, 4, 4, 4 });
        var (cleanLogits, cache) = m.RunWithCache(clean, n => n == ResidPre);
        using (cleanLogits) using (cache)
        {
            var kept = cache[ResidPre].ToArray();
            var patched = Logits(m, corrupt, (ResidPre, (_, n) => cache[n]));   // handing back a tensor the caller keeps must not corrupt it
            Assert.Equal(cleanLogits.ToArray(), patched);
            for (int i = 0; i < 3; i++) Logits(m, corrupt);                                // pooled buffers get reused here
            Assert.False(cache[ResidPre].IsDisposed);
            Assert.Equal(kept, cache[ResidPre].ToArray());
        }
    }

    [Fact]
    public void Hook_WrongShape_ThrowsNamingHookAndShapesThenModelStillWorks()
    {
        var m = new TinyGpt2().Model;
        using var ids = TinyGpt2.Ids(Row);
        var before = Logits(m, ids);
        var e = Assert.Throws<InvalidOperationException>(() =>
        {
            using (m.Hooks((ResidPre, (x, _) => Tensor.Zeros(1, 5, 3))))
                m.Run(ids);
        });
        Assert.Contains(ResidPre, e.Message);
        Assert.Contains("[1, 5, 3]", e.Message);
        Assert.Contains("[1, 5, 4]", e.Message);
        Assert.Equal(before, Logits(m, ids));
    }

    [Fact]
    public void Hook_WrongDType_ThrowsNamingDTypes()
    {
        var m = new TinyGpt2().Model;
        using var ids = TinyGpt2.Ids(Row);
        var e = Assert.Throws<InvalidOperationException>(() => Logits(m, ids, (ResidPre, (x, _) => Tensor.Zeros(DType.F64, x.Shape))));
        Assert.Contains("F64", e.Message);
        Assert.Contains("F32", e.Message);
    }

    [Fact]
    public void Hook_Throws_ExceptionPropagatesAndModelStaysUsable()
    {
        var m = new TinyGpt2().Model;
        using var ids = TinyGpt2.Ids(Row);
        var before = Logits(m, ids);
        var (l0, c0) = m.RunWithCache(ids);
        var beforeCached = l0.ToArray();
        l0.Dispose(); c0.Dispose();
        HookFn boom = (_, n) => throw new InvalidOperationException("boom at " + n);
        var e1 = Assert.Throws<InvalidOperationException>(() => { using (m.Hooks(("blocks.0.mlp.hook_post", boom))) m.Run(ids); });
        Assert.Equal("boom at blocks.0.mlp.hook_post", e1.Message);
        Assert.Throws<InvalidOperationException>(() => Logits(m, ids, ("blocks.0.attn.hook_pattern", boom)));
        Assert.Equal(before, Logits(m, ids));
        var (l, cache) = m.RunWithCache(ids);
        using (l) using (cache) Assert.Equal(beforeCached, l.ToArray());
    }

    [Fact]
    public void Hooks_UnknownName_ThrowsWithNearestNamesAndAddsNothing()
    {
        var m = new TinyGpt2().Model;
        using var ids = TinyGpt2.Ids(Row);
        var before = Logits(m, ids);
        var e = Assert.Throws<ArgumentException>(() => m.Hooks((ResidPre, Interventions.ZeroAblate()), ("blocks.0.hook_resid_pr", Interventions.ZeroAblate())));
        Assert.Contains("'blocks.0.hook_resid_pr'", e.Message);
        Assert.Contains("nearest valid names: blocks.0.hook_resid_pre", e.Message);
        Assert.Equal(before, Logits(m, ids));   // the valid hook given alongside was not registered either
    }

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void Patch_EveryPositionOfFirstResidPre_ReproducesCleanLogitsExactly(string name)
    {
        var m = ModelLoader.Load(Fixture.Dir(name));
        using var refs = SafetensorsFile.Open(Path.Combine(Fixture.Dir(name), "reference.safetensors"));
        using var clean = refs.Load("input_ids");
        var ids = clean.ToArray<long>();
        var rev = ids.Select((_, i) => ids[ids.Length - 1 - i]).ToArray();  // a different prompt of the same length
        using var corrupt = Tensor.FromArray(rev, clean.Shape);
        var (cleanLogits, cache) = m.RunWithCache(clean, n => n == ResidPre);
        using (cleanLogits) using (cache)
        {
            using var all = m.RunWithHooks(corrupt, (ResidPre, Interventions.Patch(cache)));
            Assert.Equal(cleanLogits.ToArray(), all.ToArray());
            using var plain = m.Run(corrupt);
            using var none = m.RunWithHooks(corrupt, (ResidPre, Interventions.Patch(cache, new Selection(Positions: Array.Empty<int>()))));
            Assert.Equal(plain.ToArray(), none.ToArray());
            Assert.NotEqual(plain.ToArray(), cleanLogits.ToArray());
        }
    }

    [Fact]
    public void RunWithCacheGrad_SteerAtCachedHook_GradientStillReachesIt()
    {
        var m = new TinyGpt2().Model;
        using var ids = TinyGpt2.Ids(Row, new long[] { 2, 2, 1, 0, 3 });
        using var vec = Tensor.FromArray(new[] { 1f, -1f, 0.5f, 0f }, 4);
        var (logits, cache) = m.RunWithCache(ids, null, true, (ResidPre, Interventions.Steer(vec, 2.0, new[] { 1 })));
        using (logits) using (cache)
        {
            using var loss = NextTokenLoss.Compute(logits, ids);
            loss.Backward();
            var gPre = cache.Grad(ResidPre);
            var gEmbed = cache.Grad("hook_embed");
            Assert.NotNull(gPre);
            Assert.NotNull(gEmbed);
            // resid_pre = embed + pos_embed + const: d loss/d embed equals d loss/d resid_pre
            Assert.Equal(gPre!.ToArray(), gEmbed!.ToArray());
            Assert.Contains(gPre.ToArray(), g => g != 0);
            Assert.NotNull(cache.Grad("blocks.0.mlp.hook_post"));
        }
    }

    [Fact]
    public void RunWithCacheGrad_ZeroAblatedPosition_NoGradientFlowsUpstreamThere()
    {
        var m = new TinyGpt2().Model;
        using var ids = TinyGpt2.Ids(Row);
        var (logits, cache) = m.RunWithCache(ids, n => n is "hook_embed" or ResidPre, true, (ResidPre, Interventions.ZeroAblate(new Selection(Positions: new[] { 1 }))));
        using (logits) using (cache)
        {
            using var loss = NextTokenLoss.Compute(logits, ids);
            loss.Backward();
            var gEmbed = cache.Grad("hook_embed")!.ToArray();   // [1, pos, 4]
            var gPre = cache.Grad(ResidPre)!.ToArray();
            for (int p = 0; p < Row.Length; p++)
            {
                var e = gEmbed.AsSpan(p * 4, 4).ToArray(); var r = gPre.AsSpan(p * 4, 4).ToArray();
                if (p < Row.Length - 1) Assert.Contains(r, g => g != 0); // the loss reads positions 0..T-2, (edited) resid_pre included
                if (p == 1) Assert.All(e, g => Assert.Equal(0f, g));  // but not on the embedding that was replaced
                else Assert.Equal(r, e);
            }
        }
    }
}
