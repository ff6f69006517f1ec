// Integrated gradients: per hook the scores sum to the effect of patching that whole hook (the completeness axiom),
// the error shrinks with more steps, and on a linear path one step is already exact.
using Interp.Models;
using static Interp.Circuits.Tests.TestSupport;

namespace Interp.Circuits.Tests.Attribution;

public class IntegratedGradientsTests
{
    [Fact]
    public void IG_HeadsOfALayer_SumToPatchingTheWholeLayer()
    {
        var m = Gpt2(layers: 2);
        var set = Pairs(5, 7, MetricSpec.LogitDiff);
        var lab = new CircuitLab(m);
        double Error(int steps, int layer)
        {
            var ig = lab.Attribute(set, NodeSet.Heads, AttributionMethod.IntegratedGradients, igSteps: steps).Scores.Where(s => s.Layer == layer).Sum(s => s.Attribution);
            var whole = lab.PatchNodes(set, NodeSet.Heads, Enumerable.Range(0, H).Select(h => $"L{layer}.H{h}").ToArray()).Together.Effect;
            return Math.Abs(ig - whole) / Math.Max(1, Math.Abs(whole));
        }
        foreach (int layer in new[] { 0, 1 })
        {
            double coarse = Error(2, layer), fine = Error(40, layer);
            // midpoint rule: error ~ f''/(24·steps²); 40 steps on O(1) curvature gives ~3e-5
            Assert.True(fine <= 1e-3, $"layer {layer}: 40-step IG misses the whole-layer patch by {fine:E2} (relative)");
            Assert.True(fine < coarse, $"layer {layer}: error did not shrink with steps (2 steps {coarse:E2}, 40 steps {fine:E2})");
        }
    }

    [Fact]
    public void IG_OneStepOnALinearPath_EqualsExactPatching()
    {
        var m = Gpt2(layers: 1);
        using var sae = Sae(10, HookTable.LnFinalNormalizedName);
        var r = new CircuitLab(m, new[] { sae }).Attribute(Pairs(4, 6, MetricSpec.LogitDiff), NodeSet.Features, AttributionMethod.IntegratedGradients, igSteps: 1, checkTop: -1);
        foreach (var s in r.Scores)
            Assert.True(Math.Abs(s.Attribution - s.PatchEffect!.Value) <= 1e-9, $"{s.Id}: IG {s.Attribution:G12} vs exact {s.PatchEffect:G12}");
    }
}
