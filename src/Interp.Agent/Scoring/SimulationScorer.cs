// Simulation scoring exactly as OpenAI automated-interpretability defines the correlation score: the simulator's expected
// activations against the real ones, Pearson's r over all tokens of all score-set windows concatenated (not an average of
// per-window correlations). All-zero real activations, or a simulation that predicts one value everywhere, make r
// undefined: a failed state, never a number. The 95 % interval resamples windows.
using Interp.Agent.Labeling;
using Interp.Index.Records;

namespace Interp.Agent.Scoring;

public sealed class SimulationScorer(ISimulator simulator, int resamples = Statistics.DefaultResamples) : IScorer
{
    public string Method => ScoreMethods.Simulation;

    public async Task<Outcome<Score>> ScoreAsync(ScoreRequest request, CancellationToken ct = default)
    {
        var ex = request.Examples;
        var real = ex.Select(e => Array.ConvertAll(e.Activations, a => (double)a)).ToList();
        if (real.All(r => r.All(a => a == 0)))
            return Outcome<Score>.Fail(FailureKinds.UndefinedScore,
                $"every real activation in the {ex.Count} score windows is 0, so the correlation is undefined");
        var sim = await simulator.SimulateAsync(request.Explanation, ex.Select(e => (IReadOnlyList<string>)e.Tokens).ToList(), ct);
        if (!sim.Succeeded) return Outcome<Score>.Fail(sim.Error!, sim.Usage);
        var predicted = sim.Value;
        for (int i = 0; i < ex.Count; i++)
            if (predicted.Count != ex.Count || predicted[i].Length != real[i].Length)
                return Outcome<Score>.Fail(FailureKinds.MalformedOutput,
                    $"the simulator returned {predicted.Count} sequences / {(i < predicted.Count ? predicted[i].Length : -1)} tokens for window {i}; expected {ex.Count} / {real[i].Length}",
                    usage: sim.Usage);
        var r = Correlation(real, predicted, Enumerable.Range(0, ex.Count));
        if (r is not double value)
            return Outcome<Score>.Fail(FailureKinds.UndefinedScore,
                "the simulation predicts the same activation at every token, so the correlation is undefined", usage: sim.Usage);
        var sums = Enumerable.Range(0, ex.Count).Select(i => Sums.Of(real[i], predicted[i])).ToArray();
        var ci = Statistics.Bootstrap(rng =>
        {
            var total = new Sums();
            for (int k = 0; k < sums.Length; k++) total.Add(sums[rng.NextInt(sums.Length)]);
            return total.Pearson();
        }, request.Seed, resamples);
        int tokens = real.Sum(x => x.Length);
        var metrics = new Dictionary<string, double>
        {
            ["windows"] = ex.Count, ["tokens"] = tokens, ["active_tokens"] = real.Sum(x => x.Count(a => a > 0)),
            ["predicted_active_tokens"] = predicted.Sum(x => x.Count(a => a > 0)), ["ci_valid_resamples"] = ci.Valid,
        };
        return Outcome<Score>.Ok(new Score(Method, simulator.Capability, value, ci.Low, ci.High, request.ExplanationIndex, metrics,
            ex.Select(e => e.ToRef()).ToList(), simulator.LlmModel, simulator.PromptVersion), sim.Usage);
    }

    /// <summary>A window's sufficient statistics for Pearson's r (n, Σx, Σy, Σx², Σy², Σxy): a resample's r over its
    /// concatenated windows is the r of their summed statistics, without building the concatenation.</summary>
    internal struct Sums
    {
        public double N, X, Y, Xx, Yy, Xy;

        public static Sums Of(double[] x, double[] y)
        {
            var s = new Sums();
            for (int i = 0; i < x.Length; i++) { s.N++; s.X += x[i]; s.Y += y[i]; s.Xx += x[i] * x[i]; s.Yy += y[i] * y[i]; s.Xy += x[i] * y[i]; }
            return s;
        }

        public void Add(in Sums o) { N += o.N; X += o.X; Y += o.Y; Xx += o.Xx; Yy += o.Yy; Xy += o.Xy; }

        /// <summary>r from the sums; null when either variance is zero (to a relative 1e-12).</summary>
        public readonly double? Pearson()
        {
            double vx = N * Xx - X * X, vy = N * Yy - Y * Y;
            if (vx <= 1e-12 * N * Xx || vy <= 1e-12 * N * Yy || N < 2) return null;
            return Math.Clamp((N * Xy - X * Y) / Math.Sqrt(vx * vy), -1, 1);
        }
    }

    /// <summary>r over the concatenation of the chosen windows (a window may be chosen several times).</summary>
    internal static double? Correlation(IReadOnlyList<double[]> real, IReadOnlyList<double[]> predicted, IEnumerable<int> windows)
    {
        var x = new List<double>();
        var y = new List<double>();
        foreach (var w in windows) { x.AddRange(real[w]); y.AddRange(predicted[w]); }
        return Statistics.Pearson(x, y);
    }
}
