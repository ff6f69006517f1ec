// Which explainer and scorers a labeling run uses: the one place that maps a run's settings to implementations. Offline
// (the embedded default): OfflineExplainer (optionally per cluster), the lexical simulator, the lexical judge, MiniLM.
// The LLM path adds its LlmExplainer, LLM simulator (by capability) and LLM judge here, behind the same interfaces, and
// names the stages that spend money (LlmStages) so the budget guard applies to them.
using Interp.Agent.Explainers;
using Interp.Agent.Labeling.Store;
using Interp.Agent.Scoring;
using Interp.Index.Embeddings;
using Microsoft.Extensions.AI;

namespace Interp.Agent.Labeling;

public sealed class LabelingComponents
{
    public const string OfflineExplainerKind = "offline", LlmExplainerKind = "llm";

    public required IExplainer Explainer { get; init; }
    /// <summary>Scorer per method name (simulation, embedding, detection, fuzzing).</summary>
    public required IReadOnlyDictionary<string, IScorer> Scorers { get; init; }
    /// <summary>Stages that call an LLM (checked against the budget before they run). Empty offline.</summary>
    public IReadOnlySet<string> LlmStages { get; init; } = new HashSet<string>();

    /// <summary>The offline components for <paramref name="m"/>. The embedder (MiniLM unless given) is only created when the
    /// embedding scorer or clustering needs it.</summary>
    public static LabelingComponents Offline(RunManifest m, IEmbeddingGenerator<string, Embedding<float>>? embedder = null)
    {
        if (m.Explainer != OfflineExplainerKind)
            throw new ArgumentException($"explainer '{m.Explainer}' is not offline; the LLM explainer comes with the LLM layer (use --explainer offline).");
        foreach (var s in m.Scorers.Concat(m.Shuffled))
            if (!ScoreMethods.All.Contains(s)) throw new ArgumentException($"unknown scorer '{s}' (known: {string.Join(", ", ScoreMethods.All)}).");
        foreach (var s in m.Shuffled)
            if (!m.Scorers.Contains(s)) throw new ArgumentException($"shuffled scorer '{s}' is not among the run's scorers ({string.Join(", ", m.Scorers)}).");
        bool needsEmbedder = m.Scorers.Contains(ScoreMethods.Embedding) || m.Clusters > 0;
        var emb = needsEmbedder ? new CachingEmbeddingGenerator(embedder ?? new MiniLmEmbeddingGenerator()) : null;
        IExplainer explainer = new OfflineExplainer(m.Offline);
        if (m.Clusters > 0) explainer = new ClusteringExplainer(explainer, emb!, m.Clusters, m.Examples.Seed);
        var judge = new LexicalJudge();
        var scorers = new Dictionary<string, IScorer>(StringComparer.Ordinal);
        foreach (var s in m.Scorers)
            scorers[s] = s switch
            {
                ScoreMethods.Simulation => new SimulationScorer(new LexicalSimulator(), m.Resamples),
                ScoreMethods.Embedding => new EmbeddingScorer(emb!, m.Resamples),
                ScoreMethods.Detection => new ClassifierScorer(JudgeTask.Detection, judge, resamples: m.Resamples),
                ScoreMethods.Fuzzing => new ClassifierScorer(JudgeTask.Fuzzing, judge, resamples: m.Resamples),
                _ => throw new ArgumentException($"unknown scorer '{s}'."),
            };
        return new LabelingComponents { Explainer = explainer, Scorers = scorers };
    }
}
