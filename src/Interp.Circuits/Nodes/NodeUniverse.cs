// Every node of one kind a question is about, grouped by the hook that holds them, plus parsing of node ids. A group
// says how a node's slice is read from its hook's activation: heads are axis 2 of [batch, pos, head, d_head],
// neurons and features the last axis, and an error node is the whole [batch, pos, d_in] activation.
using System.Globalization;
using Interp.Dictionaries;
using Interp.Models;
using Interp.Tensors;

namespace Interp.Circuits;

/// <summary>The nodes held by one hook. <c>Count</c> nodes along <c>NodeAxis</c> (error: one node, no axis).</summary>
public sealed record NodeGroup(string Hook, NodeKind Kind, int Layer, int Count, string? Anchor)
{
    public CircuitNode Node(int index) => new(Kind, Layer, index, Hook, Anchor);

    /// <summary>Per-node values [batch, pos, count] from an elementwise quantity shaped like the hook's activation
    /// (e.g. gradient × delta): summed over d_head for heads, over d_in for the error node.</summary>
    internal Tensor PerNode(Tensor elementwise)
    {
        return Kind switch
        {
            NodeKind.Head => TensorOps.Sum(elementwise, new[] { 3 }),                        // [batch, pos, head]
            NodeKind.Error => TensorOps.Sum(elementwise, new[] { 2 }, keepDim: true),        // [batch, pos, 1]
            _ => elementwise.Contiguous(),                                                   // [batch, pos, n]
        };
    }

    /// <summary>A 0/1 mask selecting <paramref name="nodes"/> (members of this group; each at its own position, resolved per
    /// prompt of <paramref name="batch"/>) in an activation of <paramref name="shape"/> ([batch, pos, ...]). With
    /// <paramref name="broadcast"/> (only when no node has a position) the mask is [batch, 1, ...] and broadcasts over
    /// positions: a pos-times smaller array. Rows beyond the batch (copies of it) repeat its prompts.</summary>
    internal Tensor Mask(int[] shape, IEnumerable<CircuitNode> nodes, PromptBatch batch, DType dtype = DType.F32, bool broadcast = false)
    {
        var list = nodes.ToArray();
        if (broadcast && list.Any(n => n.Position is not null)) throw new ArgumentException("a position-broadcast mask cannot hold a node at one position.");
        int[] outShape = broadcast ? [shape[0], 1, .. shape[2..]] : shape;
        var m = new float[ShapeUtil.Numel(outShape)];
        int b = outShape[0], t = outShape[1];
        int inner = 1; for (int i = 2; i < shape.Length; i++) inner *= shape[i];
        int per = Kind == NodeKind.Head ? shape[3] : 1;
        foreach (var n in list)
        {
            if (n.Hook != Hook) throw new ArgumentException($"node {n.Id} lives at '{n.Hook}', not at '{Hook}'.");
            for (int r = 0; r < b; r++)
            {
                int p0 = 0, p1 = t;
                if (n.Position is { } pos)
                {
                    if (batch.Resolve(r % batch.Count, pos) is not { } p) continue;
                    p0 = p; p1 = p + 1;
                }
                for (int p = p0; p < p1; p++)
                {
                    int off = (r * t + p) * inner;
                    if (Kind == NodeKind.Error) Array.Fill(m, 1f, off, inner);
                    else if (Kind == NodeKind.Head) Array.Fill(m, 1f, off + n.Index * per, per);
                    else m[off + n.Index] = 1f;
                }
            }
        }
        var mask = Tensor.FromArray(m, outShape);
        if (dtype == DType.F32) return mask;
        using (mask) return mask.To(dtype);
    }
}

/// <summary>The node set of a question: heads, neurons, or the features and error nodes of the spliced SAEs.</summary>
public sealed class NodeUniverse
{
    public IReadOnlyList<NodeGroup> Groups { get; }
    public string Kind { get; }
    public int Count => Groups.Sum(g => g.Count);

    private NodeUniverse(string kind, IReadOnlyList<NodeGroup> groups) { Kind = kind; Groups = groups; }

    public IEnumerable<CircuitNode> Nodes => Groups.SelectMany(g => Enumerable.Range(0, g.Count).Select(g.Node));
    public IEnumerable<string> Hooks => Groups.Select(g => g.Hook);

    public NodeGroup GroupOf(CircuitNode n) => Groups.FirstOrDefault(g => g.Hook == n.Hook)
        ?? throw new ArgumentException($"node {n.Id} is not a {Kind} node of this question (its hook '{n.Hook}' is not among {string.Join(", ", Hooks.Take(4))}...).");

    public static NodeUniverse Heads(ModelConfig cfg) => new("heads",
        Enumerable.Range(0, cfg.NLayers).Select(l => new NodeGroup(HookTable.NameOf(HookKind.Z, l), NodeKind.Head, l, cfg.NHeads, null)).ToArray());

    public static NodeUniverse Neurons(ModelConfig cfg) => new("neurons",
        Enumerable.Range(0, cfg.NLayers).Select(l => new NodeGroup(HookTable.NameOf(HookKind.MlpPost, l), NodeKind.Neuron, l, cfg.DMlp, null)).ToArray());

    /// <summary>Features and error nodes of each SAE (to be spliced at its hook_name with the error term, as Sparse
    /// Feature Circuits), in layer order.</summary>
    public static NodeUniverse Features(ModelConfig cfg, IEnumerable<Sae> saes)
    {
        var groups = new List<NodeGroup>();
        foreach (var sae in saes.OrderBy(s => LayerOf(cfg, s.Cfg.HookName)))
        {
            var names = new SaeHookNames(sae.Cfg.HookName);
            if (groups.Any(g => g.Anchor == names.HookName)) throw new ArgumentException($"two SAEs read '{names.HookName}'; give one SAE per hook.");
            int l = LayerOf(cfg, names.HookName);
            groups.Add(new NodeGroup(names.ActsPost, NodeKind.Feature, l, sae.DSae, names.HookName));
            groups.Add(new NodeGroup(names.Error, NodeKind.Error, l, 1, names.HookName));
        }
        if (groups.Count == 0) throw new ArgumentException("feature nodes need at least one SAE; pass --sae DIR.");
        return new NodeUniverse("features", groups);
    }

    /// <summary>Heads and neurons together (the benchmark's node set).</summary>
    public static NodeUniverse HeadsAndNeurons(ModelConfig cfg) => new("heads+neurons", Heads(cfg).Groups.Concat(Neurons(cfg).Groups).ToArray());

    /// <summary>The block a model hook belongs to (embeddings: 0; the final norm: the last layer).</summary>
    public static int LayerOf(ModelConfig cfg, string hook)
    {
        if (!HookTable.For(cfg).TryGet(hook, out var point)) throw new ArgumentException($"'{hook}' is not a hook of this model.");
        return point.Layer ?? (point.Kind is HookKind.Embed or HookKind.PosEmbed ? 0 : cfg.NLayers - 1);
    }

    /// <summary>Parses a node id ("L1.H3", "L0.N12", "ANCHOR/F17", "ANCHOR/ERR", each with an optional "@pos") against this universe.</summary>
    public CircuitNode Parse(string id)
    {
        var s = id.Trim();
        int? pos = null;
        int at = s.LastIndexOf('@');
        if (at >= 0)
        {
            if (!int.TryParse(s[(at + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var p))
                throw new ArgumentException($"node id '{id}': the position after '@' must be an integer (negative counts from the end).");
            pos = p; s = s[..at];
        }
        CircuitNode? found = null;
        int slash = s.LastIndexOf('/');
        if (slash > 0)
        {
            string anchor = s[..slash], rest = s[(slash + 1)..];
            if (rest == "ERR") found = Groups.FirstOrDefault(g => g.Kind == NodeKind.Error && g.Anchor == anchor)?.Node(0);
            else if (rest.StartsWith('F') && int.TryParse(rest[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var f))
                found = Groups.FirstOrDefault(g => g.Kind == NodeKind.Feature && g.Anchor == anchor) is { } g && f < g.Count ? g.Node(f) : null;
        }
        else if (s.Length > 3 && s[0] == 'L' && s.IndexOf('.') is var dot and > 1
                 && int.TryParse(s[1..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var layer) && dot + 2 < s.Length + 1
                 && int.TryParse(s[(dot + 2)..], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            var kind = s[dot + 1] switch { 'H' => NodeKind.Head, 'N' => NodeKind.Neuron, _ => (NodeKind?)null };
            found = kind is null ? null : Groups.FirstOrDefault(g => g.Kind == kind && g.Layer == layer) is { } g && index < g.Count ? g.Node(index) : null;
        }
        if (found is null)
        {
            var examples = Groups.Take(2).Select(g => g.Node(0).Id);
            throw new ArgumentException($"node id '{id}' is not a {Kind} node of this model; ids look like {string.Join(", ", examples)} (optionally @POSITION).");
        }
        return found with { Position = pos };
    }
}
