// Tensor lifetimes in the circuit code: attribution (AtP with every node checked by exact patching, integrated
// gradients, exact patching over heads and neurons, SAE features with the error node), a circuit test (patching
// everything outside the circuit), edges and a proposal give every pooled buffer back. The count is global, so these
// tests run alone.
using Interp.Models;
using Interp.Tensors;
using static Interp.Circuits.Tests.TestSupport;

namespace Interp.Circuits.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CircuitPoolCollection { public const string Name = "circuit pool accounting (runs alone)"; }

[Collection(CircuitPoolCollection.Name)]
public sealed class PoolAccountingTests
{
    /// <summary>Runs <paramref name="body"/> twice and asserts the second gives back every pooled buffer it rented.</summary>
    private static void AssertReturnsToBaseline(Action body, string what)
    {
        body();
        long before = TensorMemory.OutstandingBuffers;
        body();
        long after = TensorMemory.OutstandingBuffers;
        Assert.True(before == after, $"{what}: {after - before} pooled buffers still outstanding");
    }

    [Fact]
    public void Attribution_EveryMethod_ReturnsItsBuffers()
    {
        using var m = Gpt2(layers: 2);
        var set = Pairs(6, 7, MetricSpec.LogitDiff);
        var lab = new CircuitLab(m);
        AssertReturnsToBaseline(() => lab.Attribute(set, NodeSet.Heads, AttributionMethod.AtP, checkTop: -1), "AtP with exact checks");
        AssertReturnsToBaseline(() => lab.Attribute(set, NodeSet.Heads, AttributionMethod.IntegratedGradients, igSteps: 3), "integrated gradients");
        AssertReturnsToBaseline(() => lab.Attribute(set, NodeSet.HeadsAndNeurons, AttributionMethod.Exact), "exact patching");
    }

    [Fact]
    public void FeaturesCircuitTestEdgesAndProposal_ReturnTheirBuffers()
    {
        using var m = Gpt2(layers: 2);
        using var sae = Sae(12, HookTable.NameOf(HookKind.ResidPost, 0));
        var set = Pairs(6, 7, MetricSpec.LogitDiff);
        var lab = new CircuitLab(m, new[] { sae });
        AssertReturnsToBaseline(() => { using var h = lab.Splice(NodeSet.Features); }, "splice only");
        AssertReturnsToBaseline(() => { using var h = lab.Splice(NodeSet.Features); lab.Engine(set, lab.Universe(NodeSet.Features)).Baseline(); }, "spliced baseline");
        AssertReturnsToBaseline(() => lab.Attribute(set, NodeSet.Features, AttributionMethod.Exact), "SAE features exact");
        AssertReturnsToBaseline(() => lab.Attribute(set, NodeSet.Features, AttributionMethod.AtP), "SAE features AtP");
        AssertReturnsToBaseline(() => lab.Attribute(set, NodeSet.Features, AttributionMethod.AtP, checkTop: 4), "SAE features");
        AssertReturnsToBaseline(() =>
        {
            var test = lab.TestCircuit(set, NodeSet.Heads, new[] { "L0.H0", "L1.H1" });
            lab.AttributeEdges(set, NodeSet.Heads, test.Circuit);
        }, "circuit test and edges");
        AssertReturnsToBaseline(() => lab.ProposeCircuit(set, NodeSet.Heads, new ProposerOptions { MaxNodes = 3 }), "proposal");
    }
}
