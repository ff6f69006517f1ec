// An eval suite's run as stored: the suite's configuration, the versions it ran with (model and SAE fingerprints, prompt
// versions, LLM models by role, interp's version), and one row per metric with its 95 % interval and standard error.
// Plain data.
namespace Interp.Serve.Evals;

/// <param name="Se">standard error of the value (what the drift report's difference intervals are built from)</param>
/// <param name="N">how many items the value averages (prompts, concepts, features)</param>
public sealed record EvalMetric(string Name, double Value, double CiLow, double CiHigh, double Se, int N);

public sealed record EvalRun(long Id, string Suite, long JobId, DateTimeOffset Started, DateTimeOffset? Finished, string State,
    string Config, IReadOnlyDictionary<string, string> Versions, IReadOnlyList<EvalMetric> Metrics, string? Error);

/// <summary>One metric of a run against a reference run: the change, its 95 % interval, and a flag when the interval
/// excludes 0 (the change is larger than the two runs' noise).</summary>
public sealed record DriftLine(string Metric, double Value, double Reference, double Delta, double DeltaLow, double DeltaHigh, bool Flagged);

/// <param name="Previous">against the run before the latest; null when there is only one run</param>
/// <param name="First">against the suite's first run</param>
public sealed record DriftReport(string Suite, EvalRun? Latest, EvalRun? PreviousRun, EvalRun? FirstRun,
    IReadOnlyList<DriftLine> Previous, IReadOnlyList<DriftLine> First, int Runs)
{
    public bool AnyFlagged => Previous.Any(l => l.Flagged) || First.Any(l => l.Flagged);

    public static DriftReport Build(string suite, IReadOnlyList<EvalRun> runsOldestFirst)
    {
        var ok = runsOldestFirst.Where(r => r.State == "succeeded").ToList();
        if (ok.Count == 0) return new DriftReport(suite, null, null, null, [], [], 0);
        var latest = ok[^1];
        var prev = ok.Count >= 2 ? ok[^2] : null;
        var first = ok.Count >= 2 ? ok[0] : null;
        return new DriftReport(suite, latest, prev, first, Compare(latest, prev), Compare(latest, first), ok.Count);
    }

    private static IReadOnlyList<DriftLine> Compare(EvalRun now, EvalRun? reference)
    {
        if (reference is null) return [];
        var refs = reference.Metrics.ToDictionary(m => m.Name);
        var lines = new List<DriftLine>();
        foreach (var m in now.Metrics)
        {
            if (!refs.TryGetValue(m.Name, out var r)) continue;
            double d = m.Value - r.Value, half = 1.96 * Math.Sqrt(m.Se * m.Se + r.Se * r.Se);
            lines.Add(new DriftLine(m.Name, m.Value, r.Value, d, d - half, d + half, d - half > 0 || d + half < 0));
        }
        return lines;
    }
}
