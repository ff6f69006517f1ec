// The explainer seam: from a feature's explain-set examples (and its output side) to one or more explanations, or a
// failed state. The offline explainer (OfflineExplainer) implements it now; the LLM explainer (second pass, over the
// LLM layer) implements the same interface with the explainer-openai / explainer-delphi prompts.
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.Examples;
using Interp.Index.Records;

namespace Interp.Agent.Explainers;

/// <param name="Examples">the explain set: activating windows (top, quantile); may hold non-activating ones too</param>
/// <param name="Promoted">tokens the decoder direction promotes through the unembedding, largest first (may be empty)</param>
/// <param name="Suppressed">tokens it suppresses, largest first (may be empty)</param>
public sealed record ExplainRequest(int Feature, IReadOnlyList<LabelingExample> Examples,
    IReadOnlyList<TokenEffect> Promoted, IReadOnlyList<TokenEffect> Suppressed);

public interface IExplainer
{
    /// <summary>"offline" or "llm": what FeatureRecord.Explanation.Explainer records.</summary>
    string Name { get; }

    /// <summary>One explanation, or several (multi-concept labels: one per cluster, Cluster set). A failure (no activating
    /// example, an LLM error, an unparseable answer) is a failed outcome with its raw text, never a default label.</summary>
    Task<Outcome<IReadOnlyList<Explanation>>> ExplainAsync(ExplainRequest request, CancellationToken ct = default);
}
