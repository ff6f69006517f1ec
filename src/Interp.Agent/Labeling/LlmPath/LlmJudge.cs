// The LLM judge of detection and fuzzing (delphi's classifier scorers): sends the `detection` or `fuzzing` prompt for a
// batch, parses the answer strictly as a JSON list of as many 0/1 as samples, and — when the judge role's endpoint
// gives logprobs — reads P(1)/(P(0)+P(1)) at each answered digit for the AUC. A position offering neither "1" nor "0"
// drops the AUC for the score (no made-up 0.5); a wrong answer fails the batch with the raw text.
using System.Text.RegularExpressions;
using Interp.Agent.Llm;
using Interp.Agent.Llm.Parsing;
using Interp.Agent.Prompts;
using Interp.Agent.Scoring;

namespace Interp.Agent.Labeling.LlmPath;

public sealed partial class LlmJudge(LlmCalls llm, int? topLogprobs) : IClassifierJudge
{
    public string Capability => topLogprobs is null ? SimulatorCapabilities.ChatParsed : SimulatorCapabilities.ChatTopLogprobs;
    public string? LlmModel => llm.Client.ModelOf(LlmRole.Judge);
    public string? PromptVersion(JudgeTask task) => PromptLibrary.Get(task == JudgeTask.Detection ? PromptLibrary.Detection : PromptLibrary.Fuzzing).Id;

    public async Task<Outcome<JudgeVerdicts>> JudgeAsync(JudgeTask task, string explanation, IReadOnlyList<JudgeSample> batch, CancellationToken ct = default)
    {
        var prompt = task == JudgeTask.Detection ? LabelingPrompts.Detection(explanation, batch) : LabelingPrompts.Fuzzing(explanation, batch);
        // a list of 0/1: room for it whatever the role's max_tokens (one-token judges are configured elsewhere)
        var req = LlmCalls.Chat(prompt) with { Sampling = new Llm.Options.LlmSampling { MaxTokens = 4 * batch.Count + 16 } };
        if (topLogprobs is int n) req = req with { Logprobs = true, TopLogprobs = n };
        var o = await llm.Client.ChatAsync(LlmRole.Judge, req, llm.For(CurrentFeature.Current.Value), ct);
        var usage = LlmCalls.Usage(o);
        if (!o.Succeeded) return Outcome<JudgeVerdicts>.Fail(LlmCalls.Error(o, $"{task.ToString().ToLowerInvariant()} judge"), usage);
        string content = o.Value.Content ?? "";
        var arr = OutputParsers.NumberArray(content, batch.Count, 0, 1);
        if (!arr.Ok || arr.Value.Any(v => v is not (0 or 1)))
            return Outcome<JudgeVerdicts>.Fail(FailureKinds.MalformedOutput, $"judge answer: {(arr.Ok ? "values must be 0 or 1" : arr.Error)}", content, usage);
        var predictions = arr.Value.Select(v => v == 1).ToList();
        return Outcome<JudgeVerdicts>.Ok(new JudgeVerdicts(predictions, topLogprobs is null ? null : Probabilities(o.Value, content, batch.Count)), usage);
    }

    /// <summary>P(1) at each answered digit, or null when the logprobs do not give one for every sample.</summary>
    internal static IReadOnlyList<double>? Probabilities(Llm.Wire.LlmChatResult r, string content, int count)
    {
        var lp = r.Logprobs;
        if (lp is null || string.Concat(lp.Select(t => t.Token)) != content) return null;
        var starts = new int[lp.Count];
        int pos = 0;
        for (int i = 0; i < lp.Count; i++) { starts[i] = pos; pos += lp[i].Token.Length; }
        var digits = Digit().Matches(content);
        if (digits.Count != count) return null;
        var p = new List<double>(count);
        foreach (Match d in digits)
        {
            int k = SimulationAnswers.TokenAt(starts, pos, d.Index);
            if (k < 0) return null;
            var b = LogprobReaders.BinaryProbability(lp[k].Top);
            if (!b.Ok) return null;
            p.Add(b.Value);
        }
        return p;
    }

    [GeneratedRegex(@"(?<![\w.])[01](?![\w.])")]
    private static partial Regex Digit();
}

/// <summary>Sets <see cref="CurrentFeature"/> around an LLM-backed scorer, so its calls are booked to the feature.</summary>
public sealed class FeatureScopedScorer(IScorer inner) : IScorer
{
    public string Method => inner.Method;

    public async Task<Outcome<Index.Records.Score>> ScoreAsync(ScoreRequest request, CancellationToken ct = default)
    {
        CurrentFeature.Current.Value = request.Feature;   // set inside this async method: flows into the calls, not back out
        return await inner.ScoreAsync(request, ct);
    }
}
