// The LLM explainer: renders the explain set in the OpenAI layout (token<TAB>0-10 lines, answer "Explanation: …") or
// the delphi layout (<<marked>> tokens, answer "[EXPLANATION]: …"), asks the explainer role for `Samples` answers (each
// sample its own seed, so each has its own response-cache entry), and parses each strictly. With BestOf, the samples
// are scored by a selector scorer on the explain set (never the score set) and the best one is kept. Any failed call
// or unparseable answer fails the stage with the raw text; the samples that did succeed come from the cache next time.
using Interp.Agent.Explainers;
using Interp.Agent.Llm;
using Interp.Agent.Llm.Options;
using Interp.Agent.Llm.Parsing;
using Interp.Agent.Prompts;
using Interp.Agent.Scoring;
using Interp.Index.Records;

namespace Interp.Agent.Labeling.LlmPath;

public static class ExplainerStyles
{
    public const string OpenAi = "openai", Delphi = "delphi";
}

/// <param name="Style">openai | delphi</param>
/// <param name="Samples">explanations asked for per feature (1..16)</param>
/// <param name="BestOf">keep only the sample that scores best on the explain set (needs Samples ≥ 2)</param>
public sealed record LlmExplainerOptions(string Style = ExplainerStyles.OpenAi, int Samples = 1, bool BestOf = false)
{
    public void Validate()
    {
        if (Style is not (ExplainerStyles.OpenAi or ExplainerStyles.Delphi)) throw new ArgumentException($"--prompt-style must be openai or delphi (got '{Style}').");
        if (Samples is < 1 or > 16) throw new ArgumentException($"--samples must be 1..16 (got {Samples}).");
        if (BestOf && Samples < 2) throw new ArgumentException("--best-of needs --samples 2 or more.");
    }
}

public sealed class LlmExplainer(LlmCalls llm, LlmExplainerOptions options, IScorer? selector = null, ulong seed = 0) : IExplainer
{
    public string Name => LabelingComponents.LlmExplainerKind;

    public string Tag => options.Style == ExplainerStyles.Delphi ? "[EXPLANATION]:" : "Explanation:";

    public async Task<Outcome<IReadOnlyList<Explanation>>> ExplainAsync(ExplainRequest request, CancellationToken ct = default)
    {
        var active = request.Examples.Where(e => e.IsActivating).ToList();
        if (active.Count == 0)
            return Outcome<IReadOnlyList<Explanation>>.Fail(FailureKinds.NoActivations, "the explain set has no activating window");
        var prompt = options.Style == ExplainerStyles.Delphi ? LabelingPrompts.ExplainerDelphi(active) : LabelingPrompts.ExplainerOpenAi(active);
        var refs = active.Select(e => e.ToRef()).ToList();
        string model = llm.Client.ModelOf(LlmRole.Explainer);
        var usage = StageUsage.None;
        var texts = new List<string>();
        for (int i = 0; i < options.Samples; i++)
        {
            var req = LlmCalls.Chat(prompt);
            if (options.Samples > 1) req = req with { Sampling = new LlmSampling { Seed = i } };
            var o = await llm.Client.ChatAsync(LlmRole.Explainer, req, t => OutputParsers.TaggedLine(t, Tag), llm.For(request.Feature), ct);
            usage = usage.Add(LlmCalls.Usage(o));
            if (!o.Succeeded)
                return Outcome<IReadOnlyList<Explanation>>.Fail(LlmCalls.Error(o, $"explanation sample {i + 1} of {options.Samples}"), usage);
            texts.Add(o.Value);
        }
        var all = texts.Select(t => new Explanation(t, Name, model, prompt.TemplateId, null, refs)).ToList();
        if (!options.BestOf || selector is null) return Outcome<IReadOnlyList<Explanation>>.Ok(all, usage);

        // best of n: each sample scored on the explain set (activating and any non-activating windows in it)
        (int Index, double Value)? best = null;
        var reasons = new List<string>();
        for (int i = 0; i < all.Count; i++)
        {
            var s = await selector.ScoreAsync(new ScoreRequest(request.Feature, all[i].Text, i, request.Examples, seed ^ (ulong)i), ct);
            usage = usage.Add(s.Usage);
            if (!s.Succeeded) { reasons.Add($"sample {i + 1}: {s.Error!.Kind}: {s.Error.Reason}"); continue; }
            if (best is null || s.Value.Value > best.Value.Value) best = (i, s.Value.Value);
        }
        if (best is null)
            return Outcome<IReadOnlyList<Explanation>>.Fail(FailureKinds.UndefinedScore,
                $"best-of-{all.Count}: no sample could be scored on the explain set ({string.Join("; ", reasons)})", usage: usage);
        return Outcome<IReadOnlyList<Explanation>>.Ok([all[best.Value.Index]], usage);
    }
}
