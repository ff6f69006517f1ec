// The LLM path's components for a labeling run: the LLM explainer, the simulation scorer over the simulator the probe
// allows (or the one asked for), and detection/fuzzing over the LLM judge; the embedding scorer stays MiniLM (offline).
// Names the stages that call the LLM so the run's budget guard applies to them.
using Interp.Agent.Labeling.Store;
using Interp.Agent.Llm;
using Interp.Agent.Llm.Probe;
using Interp.Agent.Scoring;
using Interp.Index.Embeddings;
using Microsoft.Extensions.AI;

namespace Interp.Agent.Labeling.LlmPath;

/// <param name="Simulator">a SimulatorCapabilities method, or null to take the best the probe of the simulator role allows</param>
/// <param name="JudgeBatch">samples per detection/fuzzing call (delphi's default: 5)</param>
public sealed record LlmLabelingSettings(LlmExplainerOptions Explainer, string? Simulator = null, int JudgeBatch = 5)
{
    public void Validate()
    {
        Explainer.Validate();
        if (Simulator is not null && !SimulatorCapabilities.All.Contains(Simulator))
            throw new ArgumentException($"--simulator must be one of {string.Join(", ", SimulatorCapabilities.All)} (got '{Simulator}').");
        if (JudgeBatch is < 1 or > 50) throw new ArgumentException($"--judge-batch must be 1..50 (got {JudgeBatch}).");
    }
}

public static class LlmComponents
{
    /// <summary>The LLM ledger's run id of a run store: its full path, so a resumed run — from `interp label` or a serve
    /// job, retried or taken over — books to the same run and finds its answered calls in the response store.</summary>
    public static string LedgerRunId(string runStorePath) => "label:" + Path.GetFullPath(runStorePath);

    /// <summary>Probes the simulator and judge roles (cached per endpoint and model) and builds the components.</summary>
    public static async Task<Func<RunManifest, LabelingComponents>> PrepareAsync(LlmClient client, string runId, LlmLabelingSettings settings,
        IReadOnlyList<string> scorers, IEmbeddingGenerator<string, Embedding<float>>? embedder = null, CancellationToken ct = default)
    {
        settings.Validate();
        var calls = new LlmCalls(client, runId);
        LlmCapabilities? simCaps = null, judgeCaps = null;
        if (scorers.Contains(ScoreMethods.Simulation) || settings.Explainer.BestOf) simCaps = await client.ProbeAsync(LlmRole.Simulator, ct: ct);
        if (scorers.Contains(ScoreMethods.Detection) || scorers.Contains(ScoreMethods.Fuzzing)) judgeCaps = await client.ProbeAsync(LlmRole.Judge, ct: ct);
        return m => Create(m, calls, settings, simCaps, judgeCaps, embedder);
    }

    public static LabelingComponents Create(RunManifest m, LlmCalls calls, LlmLabelingSettings settings, LlmCapabilities? simCaps,
        LlmCapabilities? judgeCaps, IEmbeddingGenerator<string, Embedding<float>>? embedder = null)
    {
        if (m.Explainer != LabelingComponents.LlmExplainerKind) throw new ArgumentException($"explainer '{m.Explainer}' is not the LLM explainer.");
        if (m.Clusters > 0) throw new ArgumentException("--clusters is for the offline explainer; the LLM explainer writes one label per sample.");
        ISimulator? simulator = null;
        if (simCaps is not null)
        {
            string method = settings.Simulator ?? SimulatorCapabilities.Choose(simCaps);
            simulator = SimulatorCapabilities.Create(method, calls, Math.Clamp(simCaps.MaxTopLogprobs ?? 5, 1, 20));
        }
        int? judgeTop = judgeCaps is { Logprobs.Supported: true } ? Math.Clamp(judgeCaps.MaxTopLogprobs ?? 5, 1, 20) : null;
        var judge = new LlmJudge(calls, judgeTop);
        var scorers = new Dictionary<string, IScorer>(StringComparer.Ordinal);
        var llmStages = new HashSet<string> { StageNames.Explain };
        foreach (var s in m.Scorers)
        {
            scorers[s] = s switch
            {
                ScoreMethods.Simulation => new FeatureScopedScorer(new SimulationScorer(simulator!, m.Resamples)),
                ScoreMethods.Embedding => new EmbeddingScorer(new CachingEmbeddingGenerator(embedder ?? new MiniLmEmbeddingGenerator()), m.Resamples),
                ScoreMethods.Detection => new FeatureScopedScorer(new ClassifierScorer(JudgeTask.Detection, judge, settings.JudgeBatch, resamples: m.Resamples)),
                ScoreMethods.Fuzzing => new FeatureScopedScorer(new ClassifierScorer(JudgeTask.Fuzzing, judge, settings.JudgeBatch, resamples: m.Resamples)),
                _ => throw new ArgumentException($"unknown scorer '{s}' (known: {string.Join(", ", ScoreMethods.All)})."),
            };
            if (s != ScoreMethods.Embedding) { llmStages.Add(StageNames.Score(s)); llmStages.Add(StageNames.ShuffledScore(s)); }
        }
        IScorer? selector = settings.Explainer.BestOf ? new FeatureScopedScorer(new SimulationScorer(simulator!, m.Resamples)) : null;
        return new LabelingComponents
        {
            Explainer = new LlmExplainer(calls, settings.Explainer, selector, m.Examples.Seed),
            Scorers = scorers,
            LlmStages = llmStages,
        };
    }
}
