// A circuit as a typed graph: nodes (heads, neurons, SAE features, error nodes; at a position or all positions) and
// weighted directed edges between node ids. Plain data that serialises to JSON; no model code here.
namespace Interp.Circuits;

/// <param name="From">Upstream node id.</param>
/// <param name="To">Downstream node id (or "metric" for a node's direct effect on the metric).</param>
/// <param name="Weight">Attribution of the edge, in the metric's units.</param>
public sealed record CircuitEdge(string From, string To, double Weight);

/// <param name="Universe">The node set the circuit was chosen from: "heads", "neurons", "features" or "heads+neurons".</param>
public sealed record Circuit(string Universe, IReadOnlyList<CircuitNode> Nodes, IReadOnlyList<CircuitEdge> Edges)
{
    public int Size => Nodes.Count;

    public static Circuit Of(string universe, IEnumerable<CircuitNode> nodes) => new(universe, nodes.Distinct().ToArray(), Array.Empty<CircuitEdge>());

    public bool Contains(CircuitNode n) => Nodes.Contains(n);

    public Circuit WithEdges(IEnumerable<CircuitEdge> edges) => this with { Edges = edges.ToArray() };

    /// <summary>Node ids in layer order, for one-line display.</summary>
    public override string ToString() => string.Join(", ", Nodes.OrderBy(n => n.Layer).ThenBy(n => n.Kind).ThenBy(n => n.Index).Select(n => n.Id));
}
