// The simulator seam and the offline lexical simulator. A simulator predicts, from an explanation alone, the feature's
// activation (0-10) at every token of some windows. The LLM simulators of the second pass (legacy completions echo +
// logprobs expected value over "0".."10", chat top_logprobs expected value, or parsed numbers — picked by the capability
// probe) implement ISimulator with the `simulator` prompt; the offline one matches tokens against the explanation.
using Interp.Agent.Labeling;

namespace Interp.Agent.Scoring;

public interface ISimulator
{
    /// <summary>What Score.Capability records, e.g. "offline_lexical", "completions_echo_logprobs", "chat_top_logprobs".</summary>
    string Capability { get; }
    string? LlmModel { get; }
    /// <summary>The prompt template's "name@version", null when no prompt is used.</summary>
    string? PromptVersion { get; }

    /// <summary>Expected activation (0..10) per token of each sequence, [sequence][token], or a failed state.</summary>
    Task<Outcome<IReadOnlyList<double[]>>> SimulateAsync(string explanation, IReadOnlyList<IReadOnlyList<string>> sequences, CancellationToken ct = default);
}

/// <summary>Offline: a token the explanation says the feature fires on is predicted 10 for the first-listed term down to 5
/// for the last; otherwise a token right after a listed context token is predicted <see cref="AfterValue"/>; else 0.</summary>
public sealed class LexicalSimulator : ISimulator
{
    public const string CapabilityName = "offline_lexical";
    public const double AfterValue = 3;

    public string Capability => CapabilityName;
    public string? LlmModel => null;
    public string? PromptVersion => null;

    public Task<Outcome<IReadOnlyList<double[]>>> SimulateAsync(string explanation, IReadOnlyList<IReadOnlyList<string>> sequences, CancellationToken ct = default)
    {
        var terms = LexicalTerms.From(explanation);
        int n = terms.FiresOn.Count;
        IReadOnlyList<double[]> result = sequences.Select(s =>
        {
            var p = new double[s.Count];
            for (int i = 0; i < s.Count; i++)
            {
                int rank = terms.FiresRank(s[i]);
                if (rank >= 0) p[i] = 10 - 5.0 * rank / Math.Max(1, n - 1);
                else if (i > 0 && terms.IsAfter(s[i - 1])) p[i] = AfterValue;
            }
            return p;
        }).ToList();
        return Task.FromResult(Outcome<IReadOnlyList<double[]>>.Ok(result));
    }
}
