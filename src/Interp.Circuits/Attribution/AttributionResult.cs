// Compact, serialisable results of attribution and patching, for the CLI, the UI and agent tools: every number
// carries its unit through the metric, node ids are the typable ones of CircuitNode, prompts are summarised with
// token strings.
using System.Text.Json.Serialization;

namespace Interp.Circuits;

[JsonConverter(typeof(JsonStringEnumConverter<AttributionMethod>))]
public enum AttributionMethod
{
    /// <summary>Attribution patching: grad · (a_clean − a_corrupted) on the clean run (one forward + backward).</summary>
    [JsonStringEnumMemberName("atp")] AtP,
    /// <summary>Integrated gradients along the clean → corrupted path, per hook, with `steps` midpoint steps.</summary>
    [JsonStringEnumMemberName("ig")] IntegratedGradients,
    /// <summary>Exact activation patching: one forward per node with the node set to its corrupted value.</summary>
    [JsonStringEnumMemberName("exact")] Exact,
}

[JsonConverter(typeof(JsonStringEnumConverter<NodeSet>))]
public enum NodeSet
{
    [JsonStringEnumMemberName("heads")] Heads,
    [JsonStringEnumMemberName("neurons")] Neurons,
    [JsonStringEnumMemberName("features")] Features,
    [JsonStringEnumMemberName("heads+neurons")] HeadsAndNeurons,
}

public static class AttributionNames
{
    public static AttributionMethod ParseMethod(string s) => s.Trim().ToLowerInvariant() switch
    {
        "atp" => AttributionMethod.AtP,
        "ig" => AttributionMethod.IntegratedGradients,
        "exact" => AttributionMethod.Exact,
        _ => throw new ArgumentException($"unknown attribution method '{s}'; use atp, ig or exact."),
    };

    public static NodeSet ParseNodes(string s) => s.Trim().ToLowerInvariant() switch
    {
        "heads" => NodeSet.Heads,
        "neurons" => NodeSet.Neurons,
        "features" => NodeSet.Features,
        "heads+neurons" => NodeSet.HeadsAndNeurons,
        _ => throw new ArgumentException($"unknown node set '{s}'; use heads, neurons or features."),
    };

    public static string Name(this AttributionMethod m) => m switch { AttributionMethod.AtP => "atp", AttributionMethod.IntegratedGradients => "ig", _ => "exact" };
    public static string Name(this NodeSet n) => n switch { NodeSet.Heads => "heads", NodeSet.Neurons => "neurons", NodeSet.Features => "features", _ => "heads+neurons" };
}

/// <summary>The metric on the unpatched clean and corrupted prompts (means over the set, in <c>Unit</c>).</summary>
public sealed record MetricBaseline(string Name, string Unit, int Prompts, double Clean, double Corrupted)
{
    public double Gap => Clean - Corrupted;
}

/// <param name="Attribution">The method's estimate of the node's effect, in the metric's unit.</param>
/// <param name="PatchEffect">Exact patching effect m(clean) − m(clean with the node ← corrupted), when it was checked.</param>
public sealed record NodeScore(string Id, NodeKind Kind, int Layer, int Index, string Hook, int? Position, double Attribution, double? PatchEffect = null)
{
    public static NodeScore Of(CircuitNode n, double attribution, double? exact = null) =>
        new(n.Id, n.Kind, n.Layer, n.Index, n.Hook, n.Position, attribution, exact);
}

/// <summary>One prompt pair as text, for reports.</summary>
public sealed record PairExample(string Clean, string Corrupted, string Answer, string Wrong);

/// <param name="Scores">Nodes by decreasing |attribution| (truncated to the requested top).</param>
/// <param name="SpearmanVsExact">Rank correlation between attribution and exact patching over the checked nodes.</param>
/// <param name="Effect">What the numbers mean.</param>
public sealed record AttributionResult(string Task, string Nodes, string Method, int? Steps, MetricBaseline Metric,
    IReadOnlyList<NodeScore> Scores, int NodesScored, int NodesChecked, double? SpearmanVsExact,
    double Seconds, double ExactSeconds, int ForwardPasses, int BackwardPasses, PairExample Example, string Effect)
{
    public const string EffectDefinition = "effect(node) = m(clean) - m(clean with the node set to its corrupted activation), mean over prompts, in the metric's unit; attribution estimates it (atp: first order at the clean run; ig: path integral)";
}

/// <summary>Exact patching of chosen nodes: each alone, and all of them together.</summary>
public sealed record NodePatch(string Id, double PatchedMetric, double Effect, double? FractionOfGap);

public sealed record PatchResult(string Task, MetricBaseline Metric, IReadOnlyList<NodePatch> Nodes, NodePatch Together, string Effect);
