// The result of testing a circuit by real ablation runs, and the arithmetic of its scores. Normalisation, as in the
// IOI / ACDC literature: with m(M) the full model's metric, m(∅) the metric with every node of the universe
// mean-ablated, m(C) with only the circuit kept (the rest of the universe mean-ablated) and m(M∖C) with only the
// circuit mean-ablated:
//   faithfulness = (m(C) − m(∅)) / (m(M) − m(∅))          1 = the circuit alone recovers the behaviour
//   completeness = 1 − (m(M∖C) − m(∅)) / (m(M) − m(∅))    1 = removing the circuit destroys the behaviour
// Both are undefined (null, with the reason) when |m(M) − m(∅)| is below MinGap: there is no behaviour to explain.
namespace Interp.Circuits;

public sealed record Interval(double Low, double High);

/// <param name="Faithfulness">(m(C) − m(∅)) / (m(M) − m(∅)); null when the gap is too small.</param>
/// <param name="Completeness">1 − (m(M∖C) − m(∅)) / (m(M) − m(∅)); null when the gap is too small.</param>
/// <param name="Accuracy">logit_diff only: the fraction of prompts with a positive metric under each condition (full, empty, circuit, removed).</param>
public sealed record CircuitTest(
    Circuit Circuit, int Size, int UniverseSize, string Metric, string Unit, int Prompts,
    double FullModel, double Empty, double CircuitOnly, double CircuitRemoved,
    double? Faithfulness, double? Completeness, Interval? FaithfulnessCi95, Interval? CompletenessCi95,
    AblationAccuracy? Accuracy, string Ablation, string? Undefined)
{
    public const double MinGap = 1e-6;
    public const string Formula = "faithfulness = (m(C) - m(empty)) / (m(M) - m(empty)); completeness = 1 - (m(M\\C) - m(empty)) / (m(M) - m(empty)); m = mean metric over the prompts, ablated nodes set to their mean activation";

    public double FractionOfNodes => UniverseSize == 0 ? 0 : (double)Size / UniverseSize;

    /// <summary>faithfulness from the four means (null when |full − empty| &lt; MinGap).</summary>
    public static double? FaithfulnessOf(double full, double empty, double circuit) =>
        Math.Abs(full - empty) < MinGap ? null : (circuit - empty) / (full - empty);

    /// <summary>completeness from the four means (null when |full − empty| &lt; MinGap).</summary>
    public static double? CompletenessOf(double full, double empty, double removed) =>
        Math.Abs(full - empty) < MinGap ? null : 1 - (removed - empty) / (full - empty);

    /// <summary>Percentile bootstrap (resampling prompts, fixed seed) of a ratio statistic of the per-prompt values.</summary>
    internal static Interval? Bootstrap(double[] full, double[] empty, double[] other, Func<double, double, double, double?> stat, int rounds = 1000, int seed = 1234)
    {
        int n = full.Length;
        if (n < 2) return null;
        var rng = new Random(seed);
        var samples = new List<double>(rounds);
        for (int r = 0; r < rounds; r++)
        {
            double f = 0, e = 0, o = 0;
            for (int i = 0; i < n; i++) { int k = rng.Next(n); f += full[k]; e += empty[k]; o += other[k]; }
            if (stat(f / n, e / n, o / n) is { } v) samples.Add(v);
        }
        if (samples.Count < rounds / 2) return null;
        samples.Sort();
        return new Interval(samples[(int)(0.025 * (samples.Count - 1))], samples[(int)Math.Ceiling(0.975 * (samples.Count - 1))]);
    }
}

/// <summary>Fraction of prompts whose metric is positive (for logit_diff: the answer beats the wrong token).</summary>
public sealed record AblationAccuracy(double Full, double Empty, double CircuitOnly, double CircuitRemoved);
