// The greedy search on synthetic faithfulness functions: it grows along the ranking to the target, prunes members the
// target does not need (weakest first), and reports failure when no circuit within the cap reaches the target.
using static Interp.Circuits.Tests.TestSupport;

namespace Interp.Circuits.Tests.Proposers;

public class GreedyProposerTests
{
    private static readonly CircuitNode[] Ranked = NodeUniverse.Heads(TinyConfig(4)).Nodes.ToArray();   // 8 heads

    /// <summary>Faithfulness = the sum of the members' weights.</summary>
    private static Func<IReadOnlyCollection<CircuitNode>, double?> Additive(Dictionary<string, double> w) =>
        kept => kept.Sum(n => w.GetValueOrDefault(n.Id));

    [Fact]
    public void Search_AdditiveWeights_GrowsThenPrunesTheUnneeded()
    {
        // ranking order: L0.H0, L0.H1, L1.H0, ... ; L0.H1 contributes nothing, so pruning drops it
        var w = new Dictionary<string, double> { ["L0.H0"] = 0.5, ["L0.H1"] = 0.0, ["L1.H0"] = 0.35, ["L1.H1"] = 0.1 };
        var (c, reached, trace) = GreedyProposer.Search(Ranked, "heads", Additive(w), new ProposerOptions { TargetFaithfulness = 0.8 });
        Assert.True(reached);
        Assert.Equal(new[] { "L0.H0", "L1.H0" }, c.Nodes.Select(n => n.Id).ToArray());
        Assert.Equal(new[] { 1, 2, 3 }, trace.Where(s => s.Action == "grow").Select(s => s.Size).ToArray());
        Assert.Contains(trace, s => s.Action == "prune" && s.Node == "L0.H1" && s.Accepted);
        Assert.Contains(trace, s => s.Action == "prune" && s.Node == "L0.H0" && !s.Accepted);
    }

    [Fact]
    public void Search_LargeUniverse_DoublesThenBisects()
    {
        var nodes = NodeUniverse.Neurons(TinyConfig(2)).Nodes.ToArray();           // 32 neurons
        var w = nodes.Select((n, i) => (n.Id, i < 9 ? 0.1 : 0.0)).ToDictionary(x => x.Id, x => x.Item2);   // the first 9 give 0.9
        var (c, reached, trace) = GreedyProposer.Search(nodes, "neurons", Additive(w), new ProposerOptions { LinearUpTo = 8, TargetFaithfulness = 0.75 });
        Assert.True(reached);
        Assert.Equal(8, c.Size);                                                 // 8 × 0.1 is the first to reach 0.75
        var grown = trace.Where(s => s.Action == "grow").Select(s => s.Size).ToArray();
        Assert.Equal(new[] { 1, 2, 4, 8, 6, 7 }, grown);                         // doubling to 8, then bisecting (4, 8]
    }

    [Fact]
    public void Search_TargetOutOfReach_ReturnsTheBestAndSaysSo()
    {
        var w = new Dictionary<string, double> { ["L0.H0"] = 0.3, ["L0.H1"] = 0.2, ["L1.H0"] = -0.1 };
        var (c, reached, _) = GreedyProposer.Search(Ranked, "heads", Additive(w), new ProposerOptions { TargetFaithfulness = 0.8, MaxNodes = 3 });
        Assert.False(reached);
        Assert.Equal(new[] { "L0.H0", "L0.H1" }, c.Nodes.Select(n => n.Id).ToArray());
    }
}
