// CircuitLab's hypothesis face: state a claim about a circuit, have it tested (attribution as evidence, ablation runs
// for faithfulness and completeness) and get back a record with a verdict; or turn the proposer's circuit into one.
// Storing is the caller's choice (HypothesisStore).
using System.Security.Cryptography;
using System.Text;

namespace Interp.Circuits;

public sealed partial class CircuitLab
{
    /// <summary>Tests the claim that the nodes <paramref name="nodeIds"/> carry the behaviour of <paramref name="set"/>.</summary>
    public Hypothesis ProposeHypothesis(string claim, PromptSet set, NodeSet nodes, IReadOnlyList<string> nodeIds,
        VerdictThresholds? thresholds = null, AttributionMethod evidence = AttributionMethod.AtP, HypothesisContext? context = null)
    {
        if (string.IsNullOrWhiteSpace(claim)) throw new ArgumentException("a hypothesis needs a claim in words (what the circuit does).");
        if (claim.Length > 4000) throw new ArgumentException($"the claim is {claim.Length} characters; keep it under 4000.");
        (thresholds ?? new VerdictThresholds()).Validate();
        var universe = Universe(nodes);
        var circuit = Circuit.Of(universe.Kind, nodeIds.Count == 0 ? throw new ArgumentException("a hypothesis needs at least one node id.") : nodeIds.Select(universe.Parse));
        var attribution = Attribute(set, nodes, evidence);
        var test = TestCircuit(set, nodes, circuit);
        return Record(claim, set, attribution, test, thresholds, context ?? new HypothesisContext());
    }

    /// <summary>The proposer's circuit as a hypothesis record (claim generated unless given).</summary>
    public Hypothesis FromProposal(Proposal p, PromptSet set, string? claim = null, VerdictThresholds? thresholds = null, HypothesisContext? context = null)
    {
        claim ??= $"The {p.Test.Circuit.Universe} {p.Test.Circuit} carry the '{set.Name}' behaviour ({set.Metric.Name}): keeping only them preserves it and removing them destroys it.";
        return Record(claim, set, p.Attribution, p.Test, thresholds, (context ?? new HypothesisContext()) with { Proposer = context?.Proposer ?? "greedy" });
    }

    private Hypothesis Record(string claim, PromptSet set, AttributionResult attribution, CircuitTest test, VerdictThresholds? thresholds, HypothesisContext ctx)
    {
        var members = test.Circuit.Nodes.Select(n => n.Id).ToHashSet();
        var evidenceScores = attribution.Scores.Where(s => members.Contains(s.Id))
            .Concat(attribution.Scores.Where(s => !members.Contains(s.Id)).Take(10)).ToList();
        var verdict = Verdicts.Decide(test, thresholds);
        var created = ctx.Created ?? DateTimeOffset.UtcNow;
        var provenance = new Provenance(ctx.Model ?? Model.Source, ctx.Saes ?? Saes.Select(s => s.Cfg.HookName).ToArray(), ctx.Proposer ?? "user",
            ctx.Tool, created, ctx.Command);
        var prompts = new PromptSetRef(set.Name, set.Pairs.Count, set.Metric.Name, set.Metric.Unit, ctx.PromptSource ?? set.Name, Example(set));
        var evidence = new HypothesisEvidence(attribution.Method, attribution.Metric, evidenceScores, attribution.SpearmanVsExact, test);
        string id = "hyp-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{claim}\n{test.Circuit}\n{prompts.Name}:{prompts.Pairs}:{prompts.Source}\n{provenance.Model}\n{created:O}")))[..16];
        return new Hypothesis(id, claim.Trim(), test.Circuit, prompts, evidence, verdict, provenance);
    }
}

/// <summary>Provenance details the caller knows (each has a default): model and SAE identity, who proposed, the command line.</summary>
public sealed record HypothesisContext(string? Model = null, IReadOnlyList<string>? Saes = null, string? Proposer = null,
    string Tool = "Interp.Circuits", string? Command = null, string? PromptSource = null, DateTimeOffset? Created = null);
