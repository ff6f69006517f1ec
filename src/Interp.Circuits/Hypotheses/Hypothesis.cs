// A circuit hypothesis as a record: the claim in words, the typed circuit, the prompt set and metric it is about, the
// evidence (attribution scores, ablation results), a verdict with the numbers and thresholds it was reached with, and
// provenance. Plain data (JSON via HypothesisJson, rows via HypothesisStore); the verdict rule is Verdicts.Decide.
using System.Text.Json.Serialization;

namespace Interp.Circuits;

[JsonConverter(typeof(JsonStringEnumConverter<Verdict>))]
public enum Verdict
{
    [JsonStringEnumMemberName("supported")] Supported,
    [JsonStringEnumMemberName("refuted")] Refuted,
    [JsonStringEnumMemberName("inconclusive")] Inconclusive,
}

/// <summary>Supported: faithfulness ≥ SupportFaithfulness and completeness ≥ SupportCompleteness. Refuted: faithfulness
/// &lt; RefuteFaithfulness or completeness &lt; RefuteCompleteness. Otherwise (or when the scores are undefined) inconclusive.</summary>
public sealed record VerdictThresholds(double SupportFaithfulness = 0.8, double SupportCompleteness = 0.8,
    double RefuteFaithfulness = 0.5, double RefuteCompleteness = 0.5)
{
    public void Validate()
    {
        foreach (var (v, n) in new[] { (SupportFaithfulness, "support faithfulness"), (SupportCompleteness, "support completeness"),
                     (RefuteFaithfulness, "refute faithfulness"), (RefuteCompleteness, "refute completeness") })
            if (!double.IsFinite(v) || v < -1 || v > 2) throw new ArgumentException($"verdict threshold '{n}' must be a number in [-1, 2] (got {v}).");
        if (RefuteFaithfulness > SupportFaithfulness || RefuteCompleteness > SupportCompleteness)
            throw new ArgumentException("a refute threshold must not exceed its support threshold.");
    }
}

public sealed record VerdictRecord(Verdict Verdict, string Reason, VerdictThresholds Thresholds, double? Faithfulness, double? Completeness);

/// <param name="Source">How the prompts were made (e.g. "toy world ioi, seed 1" or a file path).</param>
public sealed record PromptSetRef(string Name, int Pairs, string Metric, string Unit, string Source, PairExample Example);

/// <param name="Attribution">Scores of the circuit's nodes and of the strongest nodes outside it.</param>
public sealed record HypothesisEvidence(string AttributionMethod, MetricBaseline Baseline, IReadOnlyList<NodeScore> Attribution,
    double? SpearmanVsExact, CircuitTest Ablation);

/// <param name="Proposer">Who stated the hypothesis: "greedy" (the algorithmic proposer), "user", or an agent's name.</param>
public sealed record Provenance(string Model, IReadOnlyList<string> Saes, string Proposer, string Tool, DateTimeOffset Created, string? Command = null);

public sealed record Hypothesis(string Id, string Claim, Circuit Circuit, PromptSetRef Prompts, HypothesisEvidence Evidence,
    VerdictRecord Verdict, Provenance Provenance, int SchemaVersion = Hypothesis.CurrentSchema)
{
    public const int CurrentSchema = 1;
}

public static class Verdicts
{
    public static VerdictRecord Decide(CircuitTest test, VerdictThresholds? thresholds = null)
    {
        var t = thresholds ?? new VerdictThresholds();
        t.Validate();
        if (test.Faithfulness is not { } f || test.Completeness is not { } k)
            return new VerdictRecord(Verdict.Inconclusive, test.Undefined ?? "faithfulness or completeness is undefined", t, test.Faithfulness, test.Completeness);
        string nums = $"faithfulness {f:F3}{Ci(test.FaithfulnessCi95)}, completeness {k:F3}{Ci(test.CompletenessCi95)}, {test.Size} of {test.UniverseSize} nodes, {test.Prompts} prompts";
        if (f >= t.SupportFaithfulness && k >= t.SupportCompleteness)
            return new VerdictRecord(Verdict.Supported, $"{nums}: keeping only the circuit preserves the behaviour (>= {t.SupportFaithfulness}) and removing it destroys it (>= {t.SupportCompleteness})", t, f, k);
        var why = new List<string>();
        if (f < t.RefuteFaithfulness) why.Add($"the circuit alone recovers only {f:F3} of the behaviour (< {t.RefuteFaithfulness})");
        if (k < t.RefuteCompleteness) why.Add($"removing it leaves {1 - k:F3} of the behaviour (completeness < {t.RefuteCompleteness})");
        if (why.Count > 0) return new VerdictRecord(Verdict.Refuted, $"{nums}: {string.Join("; ", why)}", t, f, k);
        return new VerdictRecord(Verdict.Inconclusive, $"{nums}: between the refute ({t.RefuteFaithfulness}/{t.RefuteCompleteness}) and support ({t.SupportFaithfulness}/{t.SupportCompleteness}) thresholds", t, f, k);
    }

    private static string Ci(Interval? ci) => ci is null ? "" : $" [95% CI {ci.Low:F3}, {ci.High:F3}]";
}
