// Run-level figures from the records: per scoring method how many features were scored and failed, the mean and median
// score; and the sanity check — each explanation's real score against its score on another feature's examples
// (shuffled): on how many features real wins, the mean margin with a bootstrap 95 % interval over features, and how many
// shuffled scores were undefined (kept apart, never counted as numbers). Used by the CLI table and the HTML report.
using Interp.Agent.Scoring;
using Interp.Index.Records;

namespace Interp.Agent.Labeling.Report;

public sealed record ScorePoint(int Feature, double Value, double Low, double High);

public sealed record MethodSummary(string Method, int Scored, int Failed, double? Mean, double? Median, IReadOnlyList<ScorePoint> Points);

/// <param name="Pairs">features with both a real and a shuffled score</param>
/// <param name="RealBeats">pairs where the real score is higher</param>
/// <param name="ShuffledUndefined">features with a real score whose shuffled score is a failed state (e.g. the simulation
/// predicted the same value everywhere on the other feature's examples)</param>
public sealed record ShuffledComparison(string Method, int Pairs, int RealBeats, double? MeanReal, double? MeanShuffled,
    double? MeanMargin, double MarginLow, double MarginHigh, int ShuffledUndefined, IReadOnlyList<(int Feature, double Real, double Shuffled)> Points);

public sealed class RunAnalysis
{
    public IReadOnlyList<MethodSummary> Methods { get; }
    public IReadOnlyList<ShuffledComparison> Shuffled { get; }

    private RunAnalysis(IReadOnlyList<MethodSummary> methods, IReadOnlyList<ShuffledComparison> shuffled) => (Methods, Shuffled) = (methods, shuffled);

    /// <summary>Scores of explanation 0 (the feature's main label) per method.</summary>
    public static RunAnalysis From(IReadOnlyList<FeatureRecord> records, IReadOnlyList<string> methods, IReadOnlyList<string> shuffled, ulong seed = 0)
    {
        var summaries = new List<MethodSummary>();
        foreach (var m in methods.Concat(shuffled.Select(s => s + ScoreMethods.ShuffledSuffix)))
        {
            var pts = records.Select(r => (r, s: Main(r, m))).Where(x => x.s is not null)
                .Select(x => new ScorePoint(x.r.Feature, x.s!.Value, x.s.CiLow, x.s.CiHigh)).ToList();
            int failed = records.Count(r => r.Failures.Any(f => f.Stage == "score:" + m || f.Stage.StartsWith("score:" + m + "#", StringComparison.Ordinal)));
            var sorted = pts.Select(p => p.Value).Order().ToList();
            summaries.Add(new MethodSummary(m, pts.Count, failed, pts.Count == 0 ? null : sorted.Average(),
                pts.Count == 0 ? null : Statistics.Quantile(sorted, 0.5), pts));
        }
        var comparisons = new List<ShuffledComparison>();
        foreach (var m in shuffled)
        {
            var pairs = new List<(int, double, double)>();
            int undefined = 0;
            foreach (var r in records)
            {
                var real = Main(r, m);
                if (real is null) continue;
                var sh = Main(r, m + ScoreMethods.ShuffledSuffix);
                if (sh is null) { if (r.Failures.Any(f => f.Stage == StageName(m) && f.Kind == FailureKinds.UndefinedScore)) undefined++; continue; }
                pairs.Add((r.Feature, real.Value, sh.Value));
            }
            var margins = pairs.Select(p => p.Item2 - p.Item3).ToArray();
            var ci = margins.Length < 2 ? new Interval(double.NaN, double.NaN, 0, 0)
                : Statistics.Bootstrap(rng => Statistics.Resample(rng, margins.Length).Average(i => margins[i]), seed ^ 0x5AF7u);
            comparisons.Add(new ShuffledComparison(m, pairs.Count, pairs.Count(p => p.Item2 > p.Item3),
                pairs.Count == 0 ? null : pairs.Average(p => p.Item2), pairs.Count == 0 ? null : pairs.Average(p => p.Item3),
                margins.Length == 0 ? null : margins.Average(), ci.Low, ci.High, undefined, pairs));
        }
        return new RunAnalysis(summaries, comparisons);
    }

    /// <summary>The score of <paramref name="method"/> for the feature's first explanation, or null.</summary>
    public static Score? Main(FeatureRecord r, string method) => r.Scores.FirstOrDefault(s => s.Method == method && s.ExplanationIndex == 0);

    private static string StageName(string method) => "score:" + method + ScoreMethods.ShuffledSuffix;
}
