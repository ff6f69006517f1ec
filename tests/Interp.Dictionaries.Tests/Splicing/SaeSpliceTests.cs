// Splicing an SAE into gpt2-tiny: with the error term the model is unchanged; edits at hook_sae_acts_post change it by
// exactly their decoded difference; without the error term it runs on the reconstruction; hook names appear and go
// with the handle; gradients at the SAE hooks match finite differences and the SAE algebra.
using Interp.Models;
using Interp.Tensors;
using static Interp.Dictionaries.Tests.TestSupport;

namespace Interp.Dictionaries.Tests.Splicing;

public class SaeSpliceTests
{
    /// <summary>fp32 logits (|logit| < 1 here) of two runs whose residual streams differ only by rounding in x̂ + (x - x̂)
    /// or in the order an edit is decoded: observed 1.5e-7; edits themselves move logits by 1e-1.</summary>
    private const double RunTol = 2e-6;

    private const string Anchor = "blocks.0.hook_resid_post";
    private static readonly long[] RowA = { 5, 17, 3, 99, 42, 8 }, RowB = { 60, 1, 77, 23, 0, 64 };

    private static Sae ResidSae(string arch = "standard", ulong seed = 1) =>
        Random(Cfg(arch, 64, 48, k: arch == "topk" ? 8 : null, hook: Anchor), seed);

    private static Tensor Clean(HookedTransformer m, Tensor ids) { using (Tensor.NoGrad()) return m.Run(ids); }

    [Theory]
    [InlineData("standard")]
    [InlineData("topk")]
    [InlineData("jumprelu")]
    public void Attach_WithErrorTerm_LeavesLogitsUnchanged(string arch)
    {
        var m = Gpt2Tiny();
        using var sae = ResidSae(arch);
        using var ids = Ids(RowA, RowB);
        using var clean = Clean(m, ids);
        using var s = SaeSplice.Attach(m, sae, includeError: true);
        using (var spliced = Clean(m, ids))
            Assert.True(MaxDiff(clean, spliced) <= RunTol, $"plain splice moved logits by {MaxDiff(clean, spliced):E2}");
        // caching every SAE hook takes the other path (hooked and clean reconstructions computed separately)
        var (logits, cache) = m.RunWithCache(ids, n => n.Contains("hook_sae"));
        using (logits)
        using (cache)
            Assert.True(MaxDiff(clean, logits) <= RunTol, $"cached splice moved logits by {MaxDiff(clean, logits):E2}");
    }

    [Fact]
    public void Attach_HookNames_FollowTheAnchorAndLeaveWithTheHandle()
    {
        var m = Gpt2Tiny();
        var before = m.HookNames.ToArray();
        using var sae = ResidSae();
        using (var s = SaeSplice.Attach(m, sae, includeError: false))
        {
            var names = new SaeHookNames(Anchor);
            Assert.Equal(new[] { names.Input, names.ActsPre, names.ActsPost, names.Recons, names.Output }, s.HookPoints);
            int at = m.HookNames.ToList().IndexOf(Anchor);
            Assert.Equal(s.HookPoints, m.HookNames.Skip(at + 1).Take(5));
            Assert.Equal(before.Length + 5, m.HookNames.Count);
            Assert.Equal("blocks.0.hook_resid_post.hook_sae_acts_post", names.ActsPost);
        }
        Assert.Equal(before, m.HookNames);
        Assert.Throws<ArgumentException>(() => m.ValidateHookName(Anchor + ".hook_sae_acts_post"));
    }

    [Fact]
    public void RunWithCache_SaeHooks_HoldTheSaeStages()
    {
        var m = Gpt2Tiny();
        using var sae = ResidSae();
        using var ids = Ids(RowA, RowB);
        using var s = SaeSplice.Attach(m, sae);
        var (logits, cache) = m.RunWithCache(ids);
        using (logits)
        using (cache)
        {
            var x = cache[Anchor];                                          // [2, 6, 64]
            Assert.Equal(x.ToArray(), cache[s.Names.Input].ToArray());
            using var f = sae.Encode(x);
            Assert.Equal(f.ToArray(), cache[s.Names.ActsPost].ToArray());
            Assert.Equal(new[] { 2, 6, 48 }, cache[s.Names.ActsPre].Shape);
            using var r = sae.Decode(f);
            Assert.Equal(r.ToArray(), cache[s.Names.Recons].ToArray());
            using var err = x - r;
            Assert.Equal(err.ToArray(), cache[s.Names.Error].ToArray());
            Assert.True(MaxDiff(x, cache[s.Names.Output]) <= 1e-5, "output = recons + error = x up to rounding");
        }
    }

    /// <summary>The feature that fires most on these rows (so ablating it matters).</summary>
    private static int BusiestFeature(HookedTransformer m, Sae sae, Tensor ids)
    {
        var (logits, cache) = m.RunWithCache(ids, n => n == Anchor);
        using (logits)
        using (cache)
        using (var f = sae.Encode(cache[Anchor]))
        {
            var a = f.ToArray();
            var sums = new double[sae.DSae];
            for (int i = 0; i < a.Length; i++) sums[i % sae.DSae] += a[i];
            return Array.IndexOf(sums, sums.Max());
        }
    }

    [Fact]
    public void AblateFeature_AtActsPostWithError_SubtractsItsDecoderDirection()
    {
        var m = Gpt2Tiny();
        using var sae = ResidSae();
        using var ids = Ids(RowA, RowB);
        int j = BusiestFeature(m, sae, ids);
        Tensor ablated;
        using (var s = SaeSplice.Attach(m, sae))
        using (m.Hooks((s.Names.ActsPost, Interventions.AblateNeurons(new[] { j }))))
            ablated = Clean(m, ids);
        // by hand: x - f_j(x) · W_dec[j] at the anchor
        using var dir = sae.WDec.Select(0, j);                               // [64]
        using var expected = Clean2(m, ids, (Anchor, (x, _) =>
        {
            using var f = sae.Encode(x);
            using var fj = f.Narrow(2, j, 1);                                // [2, 6, 1]
            using var delta = fj * dir;
            return x - delta;
        }));
        using (ablated)
        {
            using var clean = Clean(m, ids);
            Assert.True(MaxDiff(clean, ablated) > 1e-3, "ablating the busiest feature should change the logits");
            Assert.True(MaxDiff(expected, ablated) <= RunTol, $"|ablated - hand| = {MaxDiff(expected, ablated):E2}");
        }
    }

    private static Tensor Clean2(HookedTransformer m, Tensor ids, (string, HookFn) hook) { using (Tensor.NoGrad()) return m.RunWithHooks(ids, hook); }

    [Fact]
    public void SteerFeature_AtActsPostWithError_AddsScaledDecoderRow()
    {
        var m = Gpt2Tiny();
        using var sae = ResidSae();
        using var ids = Ids(RowA, RowB);
        const int j = 7;
        var oneHot = new double[48]; oneHot[j] = 1;
        using var e = T(oneHot, DType.F32, 48);
        Tensor steered;
        using (var s = SaeSplice.Attach(m, sae))
            steered = Clean2(m, ids, (s.Names.ActsPost, Interventions.Steer(e, 3.0, new[] { 2, 4 })));
        using var row = sae.WDec.Select(0, j);
        using var dir = TensorOps.Contiguous(row);
        using var expected = Clean2(m, ids, (Anchor, Interventions.Steer(dir, 3.0, new[] { 2, 4 })));
        using (steered) Assert.True(MaxDiff(expected, steered) <= RunTol, $"|steered - hand| = {MaxDiff(expected, steered):E2}");
    }

    [Fact]
    public void ClampAndAdd_AtActsPostWithError_ShiftByDecodedDifference()
    {
        var m = Gpt2Tiny();
        using var sae = ResidSae();
        using var ids = Ids(RowA, RowB);
        const int j = 3, p = 4;
        using var row = sae.WDec.Select(0, j);
        // clamp feature j to 2.5 at position p: the anchor moves by (2.5 - f_j) W_dec[j] there
        Tensor clamped, added;
        using (var s = SaeSplice.Attach(m, sae))
        {
            clamped = Clean2(m, ids, (s.Names.ActsPost, FeatureEdits.Clamp(new[] { j }, 2.5, new[] { p })));
            added = Clean2(m, ids, (s.Names.ActsPost, FeatureEdits.Add(new[] { j }, -1.5, new[] { p })));
        }
        using var expectedClamp = Clean2(m, ids, (Anchor, (x, _) =>
        {
            using var f = sae.Encode(x);
            var fj = f.ToArray();
            var dir = row.ToArray();
            var delta = new float[x.Numel];
            for (int b = 0; b < 2; b++)
                for (int i = 0; i < 64; i++)
                    delta[(b * 6 + p) * 64 + i] = (float)((2.5 - fj[(b * 6 + p) * 48 + j]) * dir[i]);
            using var d = Tensor.FromArray(delta, x.Shape);
            return x + d;
        }));
        using var unit = TensorOps.Contiguous(row);
        using var expectedAdd = Clean2(m, ids, (Anchor, Interventions.Steer(unit, -1.5, new[] { p })));
        using (clamped)
        using (added)
        {
            Assert.True(MaxDiff(expectedClamp, clamped) <= RunTol, $"|clamped - hand| = {MaxDiff(expectedClamp, clamped):E2}");
            Assert.True(MaxDiff(expectedAdd, added) <= RunTol, $"|added - hand| = {MaxDiff(expectedAdd, added):E2}");
            using var clean = Clean(m, ids);
            Assert.True(MaxDiff(clean, clamped) > 1e-3);
        }
    }

    [Fact]
    public void Attach_WithoutErrorTerm_RunsOnTheReconstruction()
    {
        var m = Gpt2Tiny();
        using var sae = ResidSae("topk");
        using var ids = Ids(RowA, RowB);
        Tensor spliced;
        using (SaeSplice.Attach(m, sae, includeError: false)) spliced = Clean(m, ids);
        using var expected = Clean2(m, ids, (Anchor, (x, _) => sae.Forward(x)));
        using (spliced)
        {
            Assert.Equal(expected.ToArray(), spliced.ToArray());
            using var clean = Clean(m, ids);
            Assert.True(MaxDiff(clean, spliced) > 1e-3, "a random SAE's reconstruction should change the logits");
        }
    }

    [Fact]
    public void GradAtActsPost_MatchesDecoderAlgebraAndFiniteDifferences()
    {
        var m = Gpt2Tiny();
        using var sae = ResidSae();
        using var ids = Ids(RowA, RowB);
        using var s = SaeSplice.Attach(m, sae);
        int count = 2 * (RowA.Length - 1);
        Tensor Loss(Tensor logits) { using var l = NextTokenLoss.Compute(logits, ids); return l * count; }   // summed CE: O(1) gradients
        var (logits, cache) = m.RunWithCache(ids, n => n == s.Names.ActsPost || n == s.Names.Error || n == s.Names.Output, withGrad: true);
        using (logits)
        using (cache)
        {
            using (var loss = Loss(logits)) loss.Backward();
            var gPost = cache.Grad(s.Names.ActsPost)!;                       // [2, 6, 48]
            var gOut = cache.Grad(s.Names.Output)!;                          // [2, 6, 64]
            Assert.Equal(gOut.ToArray(), cache.Grad(s.Names.Error)!.ToArray());   // output = recons + error
            using var wdt = sae.WDec.Transpose(0, 1);
            using var byHand = gOut.MatMul(wdt);                             // d/d acts = W_dec · d/d output
            Assert.True(MaxDiff(byHand, gPost) <= 1e-5, $"|grad - W_dec·g| = {MaxDiff(byHand, gPost):E2}");

            // central differences in float32: eps 1e-2 on a summed loss of ~45 whose ulp is ~4e-6, so the quotient carries
            // ~2e-4 of rounding noise (observed <= 2.4e-4 against gradients of 0.003-0.18); curvature adds ~eps²
            const double eps = 1e-2, fdTol = 1e-3;
            var g = gPost.ToArray();
            var acts = cache[s.Names.ActsPost].ToArray();
            int active = Array.FindIndex(acts, v => v > 0.5), inactive = Array.FindIndex(acts, v => v == 0);
            foreach (int at in new[] { active, inactive, 48 * 7 + 11 })
            {
                double Shifted(double by)
                {
                    HookFn bump = (x, _) =>
                    {
                        var d = new float[x.Numel]; d[at] = (float)by;
                        using var dt = Tensor.FromArray(d, x.Shape);
                        return x + dt;
                    };
                    using var lg = Clean2(m, ids, (s.Names.ActsPost, bump));
                    using var l = Loss(lg);
                    return l.Item();
                }
                double fd = (Shifted(eps) - Shifted(-eps)) / (2 * eps);
                Assert.True(Math.Abs(fd - g[at]) <= fdTol * Math.Max(1, Math.Abs(fd)), $"d loss / d acts_post[{at}]: finite difference {fd:G6}, autodiff {g[at]:G6}");
            }
        }
    }

    [Fact]
    public void GradUpstream_WithErrorTerm_EqualsTheUnsplicedModel()
    {
        var m = Gpt2Tiny();
        using var sae = ResidSae();
        using var ids = Ids(RowA, RowB);
        const string up = "blocks.0.hook_resid_mid";
        float[] Grad(bool splice, Func<string, bool> names)
        {
            using var s = splice ? SaeSplice.Attach(m, sae) : null;
            var (logits, cache) = m.RunWithCache(ids, names, withGrad: true);
            using (logits)
            using (cache)
            {
                using (var loss = NextTokenLoss.Compute(logits, ids)) loss.Backward();
                return cache.Grad(up)!.ToArray();
            }
        }
        var plain = Grad(false, n => n == up);
        var spliced = Grad(true, n => n == up || n.EndsWith("hook_sae_acts_post", StringComparison.Ordinal));
        double worst = plain.Zip(spliced, (a, b) => Math.Abs(a - b)).Max(), scale = plain.Max(Math.Abs);
        // the two graphs sum J·g - J·g + g in different orders: observed 2e-8 against gradients of 5e-2
        Assert.True(worst <= 1e-5 * scale, $"upstream gradient moved by {worst:E2} (scale {scale:E2})");
    }

    [Fact]
    public void Attach_HookZFlattened_WithErrorUnchangedAndWithoutMatchesHand()
    {
        var m = Gpt2Tiny();
        const string z = "blocks.1.attn.hook_z";
        using var sae = Random(Cfg("standard", 64, 32, hook: z) with { ReshapeActivations = SaeReshape.HookZ }, 3);
        using var ids = Ids(RowA);
        using var clean = Clean(m, ids);
        using (SaeSplice.Attach(m, sae))
        using (var spliced = Clean(m, ids))
            Assert.True(MaxDiff(clean, spliced) <= RunTol);
        Tensor replaced;
        using (SaeSplice.Attach(m, sae, includeError: false)) replaced = Clean(m, ids);
        using var expected = Clean2(m, ids, (z, (x, _) =>
        {
            using var flat = x.Reshape(1, 6, 64);
            using var r = sae.Forward(flat);
            return r.Reshape(1, 6, 4, 16);
        }));
        using (replaced) Assert.Equal(expected.ToArray(), replaced.ToArray());
    }

    [Fact]
    public void Attach_HookHeadIndex_ReplacesOnlyThatHead()
    {
        var m = Gpt2Tiny();
        const string z = "blocks.0.attn.hook_z";
        using var sae = Random(Cfg("standard", 16, 24, hook: z) with { HookHeadIndex = 2 }, 4);
        using var ids = Ids(RowA, RowB);
        Tensor replaced;
        using (SaeSplice.Attach(m, sae, includeError: false)) replaced = Clean(m, ids);
        using var expected = Clean2(m, ids, (z, (x, _) =>
        {
            using var head = x.Select(2, 2);
            using var r = sae.Forward(head);
            using var a = x.Narrow(2, 0, 2);
            using var ru = r.Unsqueeze(2);
            using var c = x.Narrow(2, 3, 1);
            return TensorOps.Cat(new[] { a, ru, c }, 2);
        }));
        using (replaced) Assert.Equal(expected.ToArray(), replaced.ToArray());
    }

    // ---- bad input ----

    [Fact]
    public void Attach_WidthMismatch_SaysBothWidthsAndTheModel()
    {
        var m = Gpt2Tiny();
        using var sae = Random(Cfg("standard", 32, 8, hook: Anchor), 1);
        var e = Assert.Throws<ArgumentException>(() => SaeSplice.Attach(m, sae));
        Assert.Contains($"d_in = 32 but '{Anchor}' of this gpt2 model is 64 wide", e.Message);
        Assert.Contains("gpt2-tiny", e.Message);
        using var mlp = Random(Cfg("standard", 64, 8, hook: "blocks.0.mlp.hook_post"), 1);
        Assert.Contains("is 256 wide", Assert.Throws<ArgumentException>(() => SaeSplice.Attach(m, mlp)).Message);
        using var zsae = Random(Cfg("standard", 16, 8, hook: "blocks.0.attn.hook_z"), 1);
        Assert.Contains("4 heads × d_head 16, flattened", Assert.Throws<ArgumentException>(() => SaeSplice.Attach(m, zsae)).Message);
    }

    [Theory]
    [InlineData("blocks.0.hook_resid_postt", "unknown hook")]
    [InlineData("blocks.0.attn.hook_pattern", "last axis is key positions")]
    [InlineData("", "no hook_name")]
    public void Attach_BadHook_Throws(string hook, string expected)
    {
        var m = Gpt2Tiny();
        using var sae = Random(Cfg("standard", 64, 8, hook: hook), 1);
        Assert.Contains(expected, Assert.Throws<ArgumentException>(() => SaeSplice.Attach(m, sae)).Message);
    }

    [Fact]
    public void Attach_NormalizedSaeWithoutFactor_SaysHowToGetOne()
    {
        using var sae = Random(Cfg("standard", 64, 8, hook: Anchor) with { NormalizeActivations = SaeConfig.NormExpectedAverageOnlyIn }, 1);
        Assert.Contains("no norm_scaling_factor", Assert.Throws<ArgumentException>(() => SaeSplice.Attach(Gpt2Tiny(), sae)).Message);
    }

    [Fact]
    public void Attach_HeadIndexOnResidHook_Throws()
    {
        using var sae = Random(Cfg("standard", 64, 8, hook: Anchor) with { HookHeadIndex = 1 }, 1);
        Assert.Contains("has no head axis", Assert.Throws<ArgumentException>(() => SaeSplice.Attach(Gpt2Tiny(), sae)).Message);
    }

    [Fact]
    public void Attach_TwiceAtOneHook_ThrowsUntilTheFirstIsDisposed()
    {
        var m = Gpt2Tiny();
        using var a = ResidSae(seed: 1);
        using var b = ResidSae(seed: 2);
        using (SaeSplice.Attach(m, a))
            Assert.Contains("already spliced", Assert.Throws<InvalidOperationException>(() => SaeSplice.Attach(m, b)).Message);
        using (SaeSplice.Attach(m, b)) { }
    }

    [Fact]
    public void Run_Float64Sae_ThrowsNamingDTypes()
    {
        var m = Gpt2Tiny();
        using var f32 = ResidSae();
        using var sae = f32.To(DType.F64);
        using var ids = Ids(RowA);
        using var s = SaeSplice.Attach(m, sae);
        var e = Assert.Throws<InvalidOperationException>(() => m.Run(ids));
        Assert.Contains("is F32 but the SAE is F64", e.Message);
    }

    [Fact]
    public void Hooks_OnSaeNamesAfterDispose_AreUnknown()
    {
        var m = Gpt2Tiny();
        using var sae = ResidSae();
        string name;
        using (var s = SaeSplice.Attach(m, sae)) name = s.Names.ActsPost;
        Assert.Contains("unknown hook", Assert.Throws<ArgumentException>(() => m.Hooks((name, Interventions.ZeroAblate()))).Message);
    }
}
