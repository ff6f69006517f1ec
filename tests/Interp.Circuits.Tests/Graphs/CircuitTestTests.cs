// Faithfulness and completeness: the arithmetic by hand, the undefined case, and the ablation runs themselves against
// runs ablated by hand (Interventions.MeanAblate with means computed here from the corrupted prompts).
using Interp.Models;
using Interp.Tensors;
using static Interp.Circuits.Tests.TestSupport;

namespace Interp.Circuits.Tests.Graphs;

public class CircuitTestTests
{
    [Fact]
    public void Faithfulness_ByHand()
    {
        // m(M) = 10, m(∅) = 2, m(C) = 8: (8 − 2) / (10 − 2) = 0.75
        Assert.Equal(0.75, CircuitTest.FaithfulnessOf(10, 2, 8)!.Value, 12);
        // a circuit that overshoots: (12 − 2) / 8 = 1.25; one that hurts: (0 − 2) / 8 = −0.25
        Assert.Equal(1.25, CircuitTest.FaithfulnessOf(10, 2, 12)!.Value, 12);
        Assert.Equal(-0.25, CircuitTest.FaithfulnessOf(10, 2, 0)!.Value, 12);
        // a metric where lower is better (loss): m(M) = 1, m(∅) = 5, m(C) = 2: (2 − 5) / (1 − 5) = 0.75
        Assert.Equal(0.75, CircuitTest.FaithfulnessOf(1, 5, 2)!.Value, 12);
    }

    [Fact]
    public void Completeness_ByHand()
    {
        // m(M∖C) = 4: 1 − (4 − 2) / (10 − 2) = 0.75; removing the circuit leaves the empty model's value: 1
        Assert.Equal(0.75, CircuitTest.CompletenessOf(10, 2, 4)!.Value, 12);
        Assert.Equal(1.0, CircuitTest.CompletenessOf(10, 2, 2)!.Value, 12);
        Assert.Equal(0.0, CircuitTest.CompletenessOf(10, 2, 10)!.Value, 12);
    }

    [Fact]
    public void Scores_NoGapBetweenFullAndEmpty_AreUndefined()
    {
        Assert.Null(CircuitTest.FaithfulnessOf(3, 3, 1));
        Assert.Null(CircuitTest.CompletenessOf(3, 3 + 1e-9, 1));
    }

    [Fact]
    public void TestCircuit_MeanAblation_EqualsHandAblatedRuns()
    {
        var m = Gpt2(layers: 2);
        var set = Pairs(6, 7, MetricSpec.LogitDiff);
        var t = new CircuitLab(m, null, new CircuitOptions { MeanMode = MeanMode.PerPosition }).TestCircuit(set, NodeSet.Heads, new[] { "L0.H1", "L1.H0" });

        using var clean = Tokens(set.Pairs);
        using var corr = Tokens(set.Pairs, corrupted: true);
        var (lx, cc) = m.RunWithCache(corr, n => n.EndsWith("attn.hook_z", StringComparison.Ordinal));
        lx.Dispose();
        using (cc)
        {
            // per-position means over the corrupted prompts: [pos, head, d_head]
            using var mean0 = TensorOps.Mean(cc["blocks.0.attn.hook_z"], new[] { 0 });
            using var mean1 = TensorOps.Mean(cc["blocks.1.attn.hook_z"], new[] { 0 });
            double Run(params (string, HookFn)[] hooks) { using var lg = m.RunWithHooks(clean, hooks); return LogitDiffByHand(lg, set.Pairs).Average(); }
            HookFn Ablate(Tensor mean, params int[] heads) => Interventions.MeanAblate(mean, new Selection(Heads: heads));
            double full = Run();
            double empty = Run(("blocks.0.attn.hook_z", Ablate(mean0, 0, 1)), ("blocks.1.attn.hook_z", Ablate(mean1, 0, 1)));
            double only = Run(("blocks.0.attn.hook_z", Ablate(mean0, 0)), ("blocks.1.attn.hook_z", Ablate(mean1, 1)));
            double removed = Run(("blocks.0.attn.hook_z", Ablate(mean0, 1)), ("blocks.1.attn.hook_z", Ablate(mean1, 0)));
            const double tol = 1e-10;   // F64 runs of the same arithmetic in a different order
            Assert.True(Math.Abs(t.FullModel - full) <= tol && Math.Abs(t.Empty - empty) <= tol && Math.Abs(t.CircuitOnly - only) <= tol && Math.Abs(t.CircuitRemoved - removed) <= tol,
                $"lab m(M) {t.FullModel} m(∅) {t.Empty} m(C) {t.CircuitOnly} m(M∖C) {t.CircuitRemoved}; by hand {full} {empty} {only} {removed}");
            Assert.Equal((only - empty) / (full - empty), t.Faithfulness!.Value, 9);
            Assert.Equal(1 - (removed - empty) / (full - empty), t.Completeness!.Value, 9);
            Assert.Equal(2, t.Size);
            Assert.Equal(4, t.UniverseSize);
        }
    }

    [Fact]
    public void TestCircuit_WholeUniverse_IsFaithfulAndRemovingItIsEmpty()
    {
        var m = Gpt2(layers: 2);
        var set = Pairs(5, 6, MetricSpec.LogitDiff);
        var t = new CircuitLab(m).TestCircuit(set, NodeSet.Heads, new[] { "L0.H0", "L0.H1", "L1.H0", "L1.H1" });
        Assert.Equal(1.0, t.Faithfulness!.Value, 9);
        Assert.Equal(1.0, t.Completeness!.Value, 9);
        Assert.NotNull(t.FaithfulnessCi95);
    }

    [Fact]
    public void TestCircuit_CorruptedAblation_EmptyEqualsPatchingEveryHead()
    {
        var m = Gpt2(layers: 2);
        var set = Pairs(5, 6, MetricSpec.LogitDiff);
        var lab = new CircuitLab(m, null, new CircuitOptions { Ablation = AblationKind.Corrupted });
        var t = lab.TestCircuit(set, NodeSet.Heads, new[] { "L1.H1" });
        var all = lab.PatchNodes(set, NodeSet.Heads, new[] { "L0.H0", "L0.H1", "L1.H0", "L1.H1" });
        Assert.Equal(all.Together.PatchedMetric, t.Empty, 9);
        Assert.Contains("corrupted", t.Ablation);
    }
}
