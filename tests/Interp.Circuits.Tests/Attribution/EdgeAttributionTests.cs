// Edge attribution e(u → d) = ∇_u (g_d · d) · Δu against a central difference of g_d · d along Δu, and the
// adjacency rule (no edge from a later node, none within one hook).
using Interp.Tensors;
using static Interp.Circuits.Tests.TestSupport;

namespace Interp.Circuits.Tests.Attribution;

public class EdgeAttributionTests
{
    [Fact]
    public void AttributeEdges_HeadToLaterHead_EqualsCentralDifference()
    {
        var m = Gpt2(layers: 2);
        var set = Pairs(4, 6, MetricSpec.LogitDiff);
        var lab = new CircuitLab(m);
        var u = lab.Universe(NodeSet.Heads).Parse("L0.H1");
        var d = lab.Universe(NodeSet.Heads).Parse("L1.H0");
        var c = lab.AttributeEdges(set, NodeSet.Heads, Circuit.Of("heads", new[] { u, d }));
        var edge = Assert.Single(c.Edges);
        Assert.Equal(("L0.H1", "L1.H0"), (edge.From, edge.To));

        using var clean = Tokens(set.Pairs);
        using var corr = Tokens(set.Pairs, corrupted: true);
        using var batch = new PromptBatch(set.Pairs, 0, 0);
        // g_d: d mean-metric / d z at L1, on the clean run
        var (logits, cache) = m.RunWithCache(clean, n => n == d.Hook || n == u.Hook, withGrad: true);
        using (logits)
        using (var per = Metric.PerPrompt(set.Metric, logits, batch))
        using (var share = Metric.BatchShare(per, set.Pairs.Count)) share.Backward();
        using var g = cache.Grad(d.Hook)!.Detach();
        var (lx, cc) = m.RunWithCache(corr, n => n == u.Hook);
        lx.Dispose();
        using var du = cache[u.Hook] - cc[u.Hook];
        cache.Dispose(); cc.Dispose();
        var uMask = new double[du.Numel]; var dMask = new double[g.Numel];
        for (int i = 0; i < uMask.Length; i++) uMask[i] = (i / Dh) % H == 1 ? 1 : 0;
        for (int i = 0; i < dMask.Length; i++) dMask[i] = (i / Dh) % H == 0 ? 1 : 0;
        using var uM = Tensor.FromArray(uMask, du.Shape);
        using var dM = Tensor.FromArray(dMask, g.Shape);
        using var dir = du * uM;
        using var w = g * dM;
        double Phi(double e)
        {
            using var step = dir * e;
            double phi = 0;
            using var lg = m.RunWithHooks(clean, (u.Hook, (x, _) => x + step), (d.Hook, (x, _) => { using var p = x * w; phi = TensorOps.Sum(p).ItemDouble(); return null; }));
            return phi;
        }
        const double eps = 1e-5;
        double fd = (Phi(eps) - Phi(-eps)) / (2 * eps);
        Assert.True(Math.Abs(fd) > 1e-6, "the edge should be non-zero, or the comparison proves nothing");
        Assert.True(Math.Abs(fd - edge.Weight) <= 1e-7 * Math.Max(1, Math.Abs(fd)), $"edge {edge.Weight:G10} vs central difference {fd:G10}");
    }

    [Fact]
    public void FeatureEdges_TwoSaes_OnlyFromTheEarlierHookToTheLater()
    {
        var m = Gpt2(layers: 2);
        using var s0 = Sae(6, "blocks.0.hook_resid_post", seed: 1);
        using var s1 = Sae(6, "blocks.1.hook_resid_post", seed: 2);
        var c = new CircuitLab(m, new[] { s1, s0 }).FeatureEdges(Pairs(4, 6, MetricSpec.LogitDiff), topPerSae: 3);
        Assert.Equal(8, c.Nodes.Count);                                      // 3 features + the error node per SAE
        Assert.NotEmpty(c.Edges);
        Assert.All(c.Edges, e => Assert.True(e.From.StartsWith("blocks.0.", StringComparison.Ordinal) && e.To.StartsWith("blocks.1.", StringComparison.Ordinal), $"{e.From} -> {e.To}"));
        Assert.Contains(c.Edges, e => e.From == "blocks.0.hook_resid_post/ERR");
    }
}
