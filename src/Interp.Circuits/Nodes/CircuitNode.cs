// A node of a circuit: an attention head (its hook_z slice), an MLP neuron (mlp.hook_post), an SAE feature
// (hook_sae_acts_post of an SAE spliced at a model hook) or an SAE's error node (hook_sae_error), at one position or
// all positions. Ids are short and typable: "L1.H3", "L0.N511", "blocks.2.hook_resid_post/F17",
// "blocks.2.hook_resid_post/ERR", each optionally "@5" (position 5) or "@-1" (each prompt's last token).
using System.Globalization;
using System.Text.Json.Serialization;
using Interp.Dictionaries;
using Interp.Models;

namespace Interp.Circuits;

[JsonConverter(typeof(JsonStringEnumConverter<NodeKind>))]
public enum NodeKind
{
    [JsonStringEnumMemberName("head")] Head,
    [JsonStringEnumMemberName("neuron")] Neuron,
    [JsonStringEnumMemberName("feature")] Feature,
    [JsonStringEnumMemberName("error")] Error,
}

/// <param name="Kind">What the node is.</param>
/// <param name="Layer">The block the node's hook belongs to (for an SAE: the layer of the hook it is spliced at).</param>
/// <param name="Index">Head, neuron or feature index; 0 for an error node.</param>
/// <param name="Hook">The hook whose activation holds the node (attn.hook_z, mlp.hook_post, hook_sae_acts_post, hook_sae_error).</param>
/// <param name="Anchor">For feature and error nodes, the model hook the SAE is spliced at; else null.</param>
/// <param name="Position">A position (negative: from each prompt's end), or null for every position.</param>
public sealed record CircuitNode(NodeKind Kind, int Layer, int Index, string Hook, string? Anchor = null, int? Position = null)
{
    public string Id => BaseId + (Position is { } p ? "@" + p.ToString(CultureInfo.InvariantCulture) : "");

    [JsonIgnore]
    public string BaseId => Kind switch
    {
        NodeKind.Head => $"L{Layer}.H{Index}",
        NodeKind.Neuron => $"L{Layer}.N{Index}",
        NodeKind.Feature => $"{Anchor}/F{Index}",
        _ => $"{Anchor}/ERR",
    };

    /// <summary>The same node at every position.</summary>
    public CircuitNode AtAllPositions() => this with { Position = null };

    public override string ToString() => Id;

    public static CircuitNode Head(ModelConfig cfg, int layer, int head, int? position = null)
    {
        Check(layer, cfg.NLayers, "layer"); Check(head, cfg.NHeads, "head");
        return new(NodeKind.Head, layer, head, HookTable.NameOf(HookKind.Z, layer), null, position);
    }

    public static CircuitNode Neuron(ModelConfig cfg, int layer, int neuron, int? position = null)
    {
        Check(layer, cfg.NLayers, "layer"); Check(neuron, cfg.DMlp, "neuron");
        return new(NodeKind.Neuron, layer, neuron, HookTable.NameOf(HookKind.MlpPost, layer), null, position);
    }

    /// <summary>Feature <paramref name="feature"/> of <paramref name="sae"/> (spliced at its cfg hook_name).</summary>
    public static CircuitNode Feature(ModelConfig cfg, Sae sae, int feature, int? position = null)
    {
        Check(feature, sae.DSae, "feature");
        var names = new SaeHookNames(sae.Cfg.HookName);
        return new(NodeKind.Feature, NodeUniverse.LayerOf(cfg, names.HookName), feature, names.ActsPost, names.HookName, position);
    }

    /// <summary>The error node of <paramref name="sae"/>: x − SAE(x) at its hook (needs the SAE spliced with the error term).</summary>
    public static CircuitNode Error(ModelConfig cfg, Sae sae, int? position = null)
    {
        var names = new SaeHookNames(sae.Cfg.HookName);
        return new(NodeKind.Error, NodeUniverse.LayerOf(cfg, names.HookName), 0, names.Error, names.HookName, position);
    }

    private static void Check(int i, int n, string what)
    {
        if (i < 0 || i >= n) throw new ArgumentOutOfRangeException(what, $"{what} {i} is out of range 0..{n - 1}.");
    }
}
