// The offline judge for detection and fuzzing: it reads only what an LLM judge would see (the sample's text) and the
// explanation's lexical terms. Detection: "active" when the text mentions a firing term. Fuzzing: "correct" when every
// << >> span mentions one. No logprobs, so no AUC. It makes the detection/fuzzing plumbing and metrics run end to end
// offline; it is not a substitute for an LLM judge's reading of an abstract explanation.
using System.Text.RegularExpressions;
using Interp.Agent.Labeling;
using Interp.Agent.Prompts;

namespace Interp.Agent.Scoring;

public sealed partial class LexicalJudge : IClassifierJudge
{
    public string Capability => LexicalSimulator.CapabilityName;
    public string? LlmModel => null;
    public string? PromptVersion(JudgeTask task) => null;

    public Task<Outcome<JudgeVerdicts>> JudgeAsync(JudgeTask task, string explanation, IReadOnlyList<JudgeSample> batch, CancellationToken ct = default)
    {
        var terms = LexicalTerms.From(explanation);
        var verdicts = batch.Select(s => task == JudgeTask.Detection ? terms.MentionedIn(s.Text) : MarksFit(terms, s.Text)).ToList();
        return Task.FromResult(Outcome<JudgeVerdicts>.Ok(new JudgeVerdicts(verdicts, null)));
    }

    private static bool MarksFit(LexicalTerms terms, string text)
    {
        var spans = Span().Matches(text);
        return spans.Count > 0 && spans.All(m => terms.MentionedIn(m.Groups[1].Value));
    }

    [GeneratedRegex("<<(.*?)>>", RegexOptions.Singleline)]
    private static partial Regex Span();
}
