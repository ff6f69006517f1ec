// The scorer seam: one explanation against a feature's score set gives a Score (method, capability used, value, 95 %
// bootstrap interval, the examples) or a failed state. Offline scorers implement it now; the LLM-backed ones (simulation
// with an LLM simulator, detection and fuzzing with an LLM judge) are the same classes with another ISimulator or
// IClassifierJudge behind them.
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.Examples;
using Interp.Index.Records;

namespace Interp.Agent.Scoring;

public static class ScoreMethods
{
    public const string Simulation = "simulation", Detection = "detection", Fuzzing = "fuzzing", Embedding = "embedding";
    public const string ShuffledSuffix = "_shuffled";

    public static IReadOnlyList<string> All { get; } = [Simulation, Embedding, Detection, Fuzzing];
}

/// <param name="Examples">the score set (activating and non-activating windows) of the feature the score is about; for
/// a shuffled score, another feature's</param>
/// <param name="Seed">seed of the scorer's own random choices and of its bootstrap</param>
public sealed record ScoreRequest(int Feature, string Explanation, int ExplanationIndex, IReadOnlyList<LabelingExample> Examples, ulong Seed);

public interface IScorer
{
    /// <summary>simulation | detection | fuzzing | embedding</summary>
    string Method { get; }

    Task<Outcome<Score>> ScoreAsync(ScoreRequest request, CancellationToken ct = default);
}
