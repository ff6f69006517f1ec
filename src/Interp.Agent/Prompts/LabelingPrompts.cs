// Renders the labeling prompts from example windows: explainer (OpenAI token lines or delphi highlights), simulator,
// detection and fuzzing. Each returns a RenderedPrompt carrying its template's "name@version" (stored with results)
// and cache key. The LLM explainer, simulator and judges send these; the offline path renders them for the record
// and the golden tests. Not the wire calls (the LLM layer) nor the answer parsers.
using System.Globalization;
using System.Text;
using Interp.Agent.Labeling.Examples;

namespace Interp.Agent.Prompts;

/// <summary>One sample shown to a detection or fuzzing judge: its text (with &lt;&lt; &gt;&gt; marks for fuzzing).</summary>
public sealed record JudgeSample(string Text);

public static class LabelingPrompts
{
    /// <summary>Fraction of an example's max above which delphi's format marks a token (delphi's default).</summary>
    public const double DefaultHighlightFraction = 0.3;

    /// <summary>OpenAI-style explainer prompt: every window as token lines scaled against the largest activation over all
    /// of them, then the same records with zeros left out.</summary>
    public static RenderedPrompt ExplainerOpenAi(IReadOnlyList<LabelingExample> examples)
    {
        var records = Records(examples);
        double max = ActivationFormats.MaxActivation(examples.Select(e => (IReadOnlyList<float>)e.Activations));
        return PromptLibrary.Get(PromptLibrary.ExplainerOpenAi).Render(new Dictionary<string, string>
        {
            ["count"] = examples.Count.ToString(CultureInfo.InvariantCulture),
            ["examples"] = ActivationFormats.TokenLines(records, max),
            ["nonzero"] = ActivationFormats.TokenLines(records, max, omitZeros: true),
        });
    }

    /// <summary>delphi-style explainer prompt: numbered examples with the active tokens in &lt;&lt; &gt;&gt;, optionally
    /// followed by their 0-10 values.</summary>
    public static RenderedPrompt ExplainerDelphi(IReadOnlyList<LabelingExample> examples, double fraction = DefaultHighlightFraction,
        bool withActivations = false)
    {
        double max = ActivationFormats.MaxActivation(examples.Select(e => (IReadOnlyList<float>)e.Activations));
        var sb = new StringBuilder();
        for (int i = 0; i < examples.Count; i++)
        {
            var e = examples[i];
            sb.Append("Example ").Append(i + 1).Append(": ").Append(ActivationFormats.Highlight(e.Tokens, e.Activations, fraction)).Append('\n');
            if (withActivations)
                sb.Append("Activations: ").Append(ActivationFormats.MarkedActivations(e.Tokens, e.Activations, fraction, max)).Append('\n');
        }
        return PromptLibrary.Get(PromptLibrary.ExplainerDelphi).Render(new Dictionary<string, string>
        {
            ["count"] = examples.Count.ToString(CultureInfo.InvariantCulture),
            ["examples"] = sb.ToString().TrimEnd('\n'),
        });
    }

    /// <summary>Simulator prompt (all sequences at once): the explanation, then every window's tokens with "unknown" where
    /// the activation would go.</summary>
    public static RenderedPrompt Simulator(string explanation, IReadOnlyList<IReadOnlyList<string>> sequences)
    {
        var records = sequences.Select(s => (s, (IReadOnlyList<float>)new float[s.Count])).ToList();
        return PromptLibrary.Get(PromptLibrary.Simulator).Render(new Dictionary<string, string>
        {
            ["explanation"] = explanation,
            ["sequences"] = ActivationFormats.TokenLines(records, 1, hide: true),
        });
    }

    /// <summary>Detection prompt: the explanation and a batch of plain examples to classify 1/0.</summary>
    public static RenderedPrompt Detection(string explanation, IReadOnlyList<JudgeSample> batch) =>
        Judge(PromptLibrary.Detection, explanation, batch);

    /// <summary>Fuzzing prompt: the explanation and a batch of examples with marked tokens to judge correct (1) or not (0).</summary>
    public static RenderedPrompt Fuzzing(string explanation, IReadOnlyList<JudgeSample> batch) =>
        Judge(PromptLibrary.Fuzzing, explanation, batch);

    private static RenderedPrompt Judge(string template, string explanation, IReadOnlyList<JudgeSample> batch)
    {
        var examples = string.Join('\n', batch.Select((s, i) => $"Example {i + 1}: {s.Text}"));
        return PromptLibrary.Get(template).Render(new Dictionary<string, string>
        {
            ["count"] = batch.Count.ToString(CultureInfo.InvariantCulture),
            ["explanation"] = explanation,
            ["examples"] = examples,
        });
    }

    private static List<(IReadOnlyList<string>, IReadOnlyList<float>)> Records(IReadOnlyList<LabelingExample> examples) =>
        examples.Select(e => ((IReadOnlyList<string>)e.Tokens, (IReadOnlyList<float>)e.Activations)).ToList();
}
