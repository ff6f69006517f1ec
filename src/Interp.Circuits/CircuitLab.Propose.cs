// CircuitLab's proposer face: attribution, then the greedy search (GreedyProposer) with real ablation runs, then the
// final circuit's faithfulness and completeness.
using System.Diagnostics;

namespace Interp.Circuits;

public sealed partial class CircuitLab
{
    public Proposal ProposeCircuit(PromptSet set, NodeSet nodes = NodeSet.Heads, ProposerOptions? options = null)
    {
        var o = options ?? new ProposerOptions();
        o.Validate();
        Check(set);
        var sw = Stopwatch.StartNew();
        var attribution = Attribute(set, nodes, o.Rank, o.IgSteps);
        var universe = Universe(nodes);
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
