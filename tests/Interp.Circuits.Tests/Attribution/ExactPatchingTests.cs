// Exact activation patching against runs patched by hand with the Models interventions (Interventions.Patch), one
// node and several together, with padded prompts of different lengths.
using Interp.Models;
using Interp.Tensors;
using static Interp.Circuits.Tests.TestSupport;

namespace Interp.Circuits.Tests.Attribution;

public class ExactPatchingTests
{
    private const double F64Tol = 1e-10;

    [Fact]
    public void PatchNodes_OneHeadAndTogether_EqualHandPatchedRuns()
    {
        var m = Gpt2(layers: 2);
        var set = Pairs(5, 7, MetricSpec.LogitDiff);
        var r = new CircuitLab(m).PatchNodes(set, NodeSet.Heads, new[] { "L1.H0", "L0.H1" });

        using var clean = Tokens(set.Pairs);
        using var corr = Tokens(set.Pairs, corrupted: true);
        var (lx, corrCache) = m.RunWithCache(corr, n => n.EndsWith("attn.hook_z", StringComparison.Ordinal));
        using (lx)
        using (corrCache)
        {
            double Mean(params (string, HookFn)[] hooks) { using var lg = m.RunWithHooks(clean, hooks); return LogitDiffByHand(lg, set.Pairs).Average(); }
            double full = Mean();
            double l1h0 = Mean(("blocks.1.attn.hook_z", Interventions.Patch(corrCache, new Selection(Heads: new[] { 0 }))));
            double both = Mean(("blocks.1.attn.hook_z", Interventions.Patch(corrCache, new Selection(Heads: new[] { 0 }))),
                               ("blocks.0.attn.hook_z", Interventions.Patch(corrCache, new Selection(Heads: new[] { 1 }))));
            Assert.Equal(full, r.Metric.Clean, 10);
            Assert.True(Math.Abs(r.Nodes[0].Effect - (full - l1h0)) <= F64Tol, $"L1.H0: {r.Nodes[0].Effect:G12} vs hand {full - l1h0:G12}");
            Assert.True(Math.Abs(r.Together.Effect - (full - both)) <= F64Tol, $"together: {r.Together.Effect:G12} vs hand {full - both:G12}");
            Assert.True(Math.Abs(r.Nodes[0].Effect) > 1e-4, "the patch should change the metric, or the comparison proves nothing");
        }
    }

    [Fact]
    public void Exact_RaggedPadded_EqualsEachPromptAlone()
    {
        var m = Gpt2(layers: 1);
        var set = Pairs(6, 8, MetricSpec.LogProb, ragged: true);
        var r = new CircuitLab(m, null, new CircuitOptions { BatchSize = 6, PadId = 3 }).Attribute(set, NodeSet.Neurons, AttributionMethod.Exact);
        // by hand: each prompt alone (no padding), neuron 5 of layer 0 set to its corrupted value at every position
        double sum = 0;
        foreach (var p in set.Pairs)
        {
            using var clean = Tokens(new[] { p });
            using var corr = Tokens(new[] { p }, corrupted: true);
            var (lx, cc) = m.RunWithCache(corr, n => n == "blocks.0.mlp.hook_post");
            using (lx) using (cc)
            {
                using var a = m.Run(clean);
                using var b = m.RunWithHooks(clean, ("blocks.0.mlp.hook_post", Interventions.Patch(cc, new Selection(Features: new[] { 5 }))));
                sum += LogProb(a, p) - LogProb(b, p);
            }
        }
        var n5 = r.Scores.Single(s => s.Id == "L0.N5");
        Assert.True(Math.Abs(n5.Attribution - sum / set.Pairs.Count) <= F64Tol, $"L0.N5: {n5.Attribution:G12} vs hand {sum / set.Pairs.Count:G12}");
    }

    [Fact]
    public void Exact_SeveralNodesPerPass_EqualsOneNodePerPass()
    {
        var m = Gpt2(layers: 2);
        var set = Pairs(5, 6, MetricSpec.LogitDiff, ragged: true);
        var u = NodeUniverse.HeadsAndNeurons(m.Config);
        var nodes = u.Nodes.ToArray();
        var one = new PatchingEngine(m, set, u, 3, 0) { TokensPerPass = 1 };
        var many = new PatchingEngine(m, set, u, 3, 0) { TokensPerPass = 64 };   // 3 prompts × 6 positions: 3 nodes per pass
        var (clean, _) = one.Baseline();
        var a = one.Exact(nodes, clean);
        int before = many.Forwards;
        var b = many.Exact(nodes, clean);
        Assert.True(many.Forwards - before < nodes.Length, "copies should share passes");
        for (int i = 0; i < nodes.Length; i++)
            Assert.True(Math.Abs(a[i] - b[i]) <= F64Tol, $"{nodes[i].Id}: one per pass {a[i]:G12}, several {b[i]:G12}");
    }

    private static double LogProb(Tensor logits, PromptPair p)
    {
        var a = logits.ToDoubleArray();
        int v = logits.Shape[2], off = p.AnswerPos * v;
        double max = double.NegativeInfinity;
        for (int i = 0; i < v; i++) max = Math.Max(max, a[off + i]);
        double z = 0;
        for (int i = 0; i < v; i++) z += Math.Exp(a[off + i] - max);
        return a[off + p.Answer] - max - Math.Log(z);
    }
}
