// CircuitLab's edge face: weighted edges of a circuit (every earlier → later member), and Sparse-Feature-Circuit
// edges between the top features (and error nodes) of SAEs at adjacent hooks.
namespace Interp.Circuits;

public sealed partial class CircuitLab
{
    /// <summary>The circuit with its edges: e(u → d) for every member u before member d (EdgeAttribution), in the metric's unit.</summary>
    public Circuit AttributeEdges(PromptSet set, NodeSet nodes, Circuit circuit, double minAbsWeight = 0)
    {
        Check(set);
        var universe = Universe(nodes);
        foreach (var n in circuit.Nodes) universe.GroupOf(n);
        using var splices = Splice(nodes);
        var members = circuit.Nodes.ToArray();
        var e = new EdgeAttribution(Model, set, universe, Options.BatchSize, Options.PadId).Run(members, members);
        var edges = new List<CircuitEdge>();
        for (int i = 0; i < members.Length; i++)
            for (int j = 0; j < members.Length; j++)
                if (e[i, j] != 0 && Math.Abs(e[i, j]) >= minAbsWeight) edges.Add(new CircuitEdge(members[i].Id, members[j].Id, e[i, j]));
        return circuit.WithEdges(edges.OrderByDescending(x => Math.Abs(x.Weight)));
    }

    /// <summary>Feature circuits (needs SAEs at two or more hooks): the <paramref name="topPerSae"/> nodes of each SAE by
    /// |AtP| (its error node always included), and edges between the nodes of SAEs at adjacent hooks.</summary>
    public Circuit FeatureEdges(PromptSet set, int topPerSae = 10, double minAbsWeight = 0)
    {
        if (topPerSae < 1 || topPerSae > 200) throw new ArgumentException($"top nodes per SAE must be in 1..200 (got {topPerSae}); edges cost one forward+backward per downstream node.");
        if (Saes.Select(s => s.Cfg.HookName).Distinct().Count() < 2) throw new ArgumentException("feature edges need SAEs at two or more hooks; pass --sae twice (adjacent layers).");
        var attribution = Attribute(set, NodeSet.Features, AttributionMethod.AtP);
        var universe = Universe(NodeSet.Features);
        var byId = universe.Nodes.ToDictionary(n => n.Id);
        var anchors = universe.Groups.Select(g => g.Anchor!).Distinct().ToArray();   // in layer order
        var top = anchors.ToDictionary(a => a, a =>
            attribution.Scores.Where(s => byId[s.Id].Anchor == a && s.Kind == NodeKind.Feature).Take(topPerSae).Select(s => byId[s.Id])
                .Append(byId[$"{a}/ERR"]).ToArray());
        var edges = new List<CircuitEdge>();
        using (Splice(NodeSet.Features))
            for (int k = 0; k + 1 < anchors.Length; k++)
            {
                var up = top[anchors[k]]; var down = top[anchors[k + 1]];
                var e = new EdgeAttribution(Model, set, universe, Options.BatchSize, Options.PadId).Run(up, down);
                for (int i = 0; i < up.Length; i++)
                    for (int j = 0; j < down.Length; j++)
                        if (e[i, j] != 0 && Math.Abs(e[i, j]) >= minAbsWeight) edges.Add(new CircuitEdge(up[i].Id, down[j].Id, e[i, j]));
            }
        return new Circuit(universe.Kind, top.Values.SelectMany(x => x).ToArray(), edges.OrderByDescending(x => Math.Abs(x.Weight)).ToArray());
    }
}
