// Attribution patching against exact patching and against finite differences, on a random F64 GPT-2: exact where the
// path to the metric is linear (SAE features and error node spliced at ln_final.hook_normalized), equal to the
// directional derivative everywhere, independent of batching and padding.
using Interp.Models;
using Interp.Tensors;
using static Interp.Circuits.Tests.TestSupport;

namespace Interp.Circuits.Tests.Attribution;

public class AttributionPatchingTests
{
    /// <summary>F64 arithmetic on O(1) values: sums of a few hundred products agree to ~1e-13; 1e-9 leaves margin.</summary>
    private const double F64Tol = 1e-9;

    [Fact]
    public void AtP_FeaturesOnALinearPath_EqualsExactPatching()
    {
        var m = Gpt2(layers: 2);
        using var sae = Sae(12, HookTable.LnFinalNormalizedName);
        var set = Pairs(6, 7, MetricSpec.LogitDiff);
        var lab = new CircuitLab(m, new[] { sae });
        var r = lab.Attribute(set, NodeSet.Features, AttributionMethod.AtP, checkTop: -1);
        Assert.Equal(13, r.NodesChecked);                                   // 12 features + the error node
        Assert.Contains(r.Scores, s => s.Kind == NodeKind.Error);
        double scale = r.Scores.Max(s => Math.Abs(s.PatchEffect!.Value));
        Assert.True(scale > 1e-3, $"patching should move the metric (largest effect {scale:E2})");
        foreach (var s in r.Scores)
            Assert.True(Math.Abs(s.Attribution - s.PatchEffect!.Value) <= F64Tol * Math.Max(1, scale),
                $"{s.Id}: AtP {s.Attribution:G12} vs exact {s.PatchEffect:G12}; after ln_final.hook_normalized the metric is linear, so they must agree");
    }

    [Fact]
    public void AtP_HeadsThroughNonlinearLayers_DiffersFromExactPatching()
    {
        // the counterpart of the linear-path test: through softmax, LayerNorm and GELU, first order is not exact
        var m = Gpt2(layers: 2);
        var r = new CircuitLab(m).Attribute(Pairs(6, 7, MetricSpec.LogitDiff), NodeSet.Heads, AttributionMethod.AtP, checkTop: -1);
        double worst = r.Scores.Max(s => Math.Abs(s.Attribution - s.PatchEffect!.Value));
        Assert.True(worst > 1e-4, $"AtP matched exact patching to {worst:E2} on a nonlinear path; the linear-path test would then prove nothing");
    }

    [Theory]
    [InlineData("logit_diff")]
    [InlineData("logprob")]
    [InlineData("loss")]
    public void AtP_Heads_EqualsCentralDifferenceAlongTheActivationDelta(string metric)
    {
        var m = Gpt2(layers: 2);
        var set = Pairs(4, 6, MetricSpec.Parse(metric));
        var r = new CircuitLab(m).Attribute(set, NodeSet.Heads, AttributionMethod.AtP);
        using var clean = Tokens(set.Pairs);
        using var corr = Tokens(set.Pairs, corrupted: true);
        var (lc, cleanCache) = m.RunWithCache(clean, n => n.EndsWith("attn.hook_z", StringComparison.Ordinal));
        var (lx, corrCache) = m.RunWithCache(corr, n => n.EndsWith("attn.hook_z", StringComparison.Ordinal));
        lc.Dispose(); lx.Dispose();
        using (cleanCache)
        using (corrCache)
            foreach (var s in r.Scores)
            {
                // m(a + ε·Δ_n) − m(a − ε·Δ_n) over 2ε, Δ_n = (clean − corrupted) on head n only: the directional derivative AtP computes
                const double eps = 1e-5;
                using var delta = cleanCache[s.Hook] - corrCache[s.Hook];
                var mask = new double[delta.Numel];
                for (int i = 0; i < mask.Length; i++) mask[i] = (i / Dh) % H == s.Index ? 1 : 0;
                using var maskT = Tensor.FromArray(mask, delta.Shape);
                using var dir = delta * maskT;
                double At(double e)
                {
                    using var step = dir * e;
                    using var batch = new PromptBatch(set.Pairs, 0, 0);
                    using var logits = m.RunWithHooks(clean, (s.Hook, (x, _) => x + step));
                    using var per = Metric.PerPrompt(set.Metric, logits, batch);
                    return per.ToDoubleArray().Average();
                }
                double fd = (At(eps) - At(-eps)) / (2 * eps);
                // F64 central difference: truncation ~ε²·m''' ≈ 1e-10, rounding ~1e-16/ε ≈ 1e-11
                Assert.True(Math.Abs(fd - s.Attribution) <= 1e-7 * Math.Max(1, Math.Abs(fd)), $"{metric} {s.Id}: AtP {s.Attribution:G10}, central difference {fd:G10}");
            }
    }

    [Fact]
    public void AtP_RaggedPromptsInBatches_EqualsOnePromptAtATime()
    {
        var m = Gpt2(layers: 2);
        var set = Pairs(7, 8, MetricSpec.LogitDiff, ragged: true);
        var batched = new CircuitLab(m, null, new CircuitOptions { BatchSize = 4 }).Attribute(set, NodeSet.HeadsAndNeurons, AttributionMethod.AtP);
        var single = new CircuitLab(m, null, new CircuitOptions { BatchSize = 1 }).Attribute(set, NodeSet.HeadsAndNeurons, AttributionMethod.AtP);
        var byId = single.Scores.ToDictionary(s => s.Id, s => s.Attribution);
        Assert.Equal(2 * H + 2 * M, batched.Scores.Count);
        foreach (var s in batched.Scores)
            Assert.True(Math.Abs(s.Attribution - byId[s.Id]) <= F64Tol, $"{s.Id}: padded batches give {s.Attribution:G12}, unpadded single prompts {byId[s.Id]:G12}");
        Assert.Equal(single.Metric.Clean, batched.Metric.Clean, 12);
    }

    [Fact]
    public void AtP_ByPosition_SumsToAllPositions()
    {
        var m = Gpt2(layers: 1);
        var set = Pairs(5, 6, MetricSpec.LogitDiff);
        var lab = new CircuitLab(m);
        var all = lab.Attribute(set, NodeSet.Heads, AttributionMethod.AtP).Scores.ToDictionary(s => s.Id, s => s.Attribution);
        var per = lab.Attribute(set, NodeSet.Heads, AttributionMethod.AtP, byPosition: true).Scores;
        Assert.Equal(H * 6, per.Count);
        foreach (var g in per.GroupBy(s => $"L{s.Layer}.H{s.Index}"))
            Assert.True(Math.Abs(g.Sum(s => s.Attribution) - all[g.Key]) <= F64Tol, $"{g.Key}: positions sum to {g.Sum(s => s.Attribution):G12}, all positions {all[g.Key]:G12}");
    }
}
