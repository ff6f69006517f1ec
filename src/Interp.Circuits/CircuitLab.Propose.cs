// CircuitLab's proposer face: attribution, then the greedy search (GreedyProposer) with real ablation runs, then the
// final circuit's faithfulness and completeness.
using System.Diagnostics;

namespace Interp.Circuits;

public sealed partial class CircuitLab
{
    /// <summary>Ranks by <paramref name="ranking"/> when given (an untruncated Attribute result over the same set and
    /// nodes), else by a fresh attribution with options.Rank.</summary>
    public Proposal ProposeCircuit(PromptSet set, NodeSet nodes = NodeSet.Heads, ProposerOptions? options = null, AttributionResult? ranking = null)
    {
        var o = options ?? new ProposerOptions();
        o.Validate();
        Check(set);
        var sw = Stopwatch.StartNew();
        var universe = Universe(nodes);
        if (ranking is not null && (ranking.Scores.Count != universe.Count || ranking.Nodes != universe.Kind || ranking.Task != set.Name || ranking.Scores.Any(s => s.Position is not null)))
            throw new ArgumentException($"the ranking must be an untruncated, all-positions attribution of the {universe.Count} {universe.Kind} nodes on '{set.Name}'.");
        var attribution = ranking ?? Attribute(set, nodes, o.Rank, o.IgSteps);
        using var splices = Splice(nodes);
        var engine = Engine(set, universe);
        using var means = Means(set, universe);
        var (clean, _) = engine.Baseline();
        var evaluator = new CircuitEvaluator(engine, universe, means, set);
        var empty = evaluator.Metric(Array.Empty<CircuitNode>(), keepOnly: true);
        double mf = clean.Average(), me = empty.Average();
        var byId = universe.Nodes.ToDictionary(n => n.Id);
        var ranked = attribution.Scores.Select(s => byId[s.Id]).ToArray();
        var (circuit, reached, trace) = GreedyProposer.Search(ranked, universe.Kind,
            kept => CircuitTest.FaithfulnessOf(mf, me, evaluator.Metric(kept, keepOnly: true).Average()), o);
        var test = evaluator.Test(circuit, clean, empty);
        return new Proposal(attribution, test, reached, o.TargetFaithfulness, trace, evaluator.Runs, sw.Elapsed.TotalSeconds);
    }
}
