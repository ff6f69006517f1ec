// Seeded k-means (k-means++ start, Lloyd iterations, squared Euclidean distance) over small sets of embedding vectors:
// how the multi-concept explainer groups a feature's top examples. Deterministic for a given seed and input order.
using Interp.Tensors;

namespace Interp.Agent.Explainers;

public static class KMeans
{
    /// <summary>The cluster (0..k-1) of each point; k is capped at the number of distinct points. Empty clusters do not
    /// occur in the result (labels are renumbered densely, by first appearance).</summary>
    public static int[] Cluster(IReadOnlyList<float[]> points, int k, ulong seed, int maxIterations = 50)
    {
        int n = points.Count;
        if (n == 0) return [];
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), $"k must be >= 1 (got {k}).");
        int dim = points[0].Length;
        var rng = new Rng(seed);
        var centres = new List<double[]> { ToDouble(points[rng.NextInt(n)]) };
        var d2 = new double[n];
        while (centres.Count < k)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) { d2[i] = centres.Min(c => Dist(points[i], c)); sum += d2[i]; }
            if (sum <= 0) break;                                   // fewer distinct points than k
            double r = rng.NextDouble() * sum;
            int pick = n - 1;
            for (int i = 0; i < n; i++) { r -= d2[i]; if (r < 0) { pick = i; break; } }
            centres.Add(ToDouble(points[pick]));
        }
        var labels = new int[n];
        for (int it = 0; it < maxIterations; it++)
        {
            bool changed = it == 0;
            for (int i = 0; i < n; i++)
            {
                int best = 0;
                double bestD = double.MaxValue;
                for (int c = 0; c < centres.Count; c++) { double d = Dist(points[i], centres[c]); if (d < bestD) { bestD = d; best = c; } }
                if (labels[i] != best) { labels[i] = best; changed = true; }
            }
            if (!changed) break;
            for (int c = 0; c < centres.Count; c++)
            {
                var members = Enumerable.Range(0, n).Where(i => labels[i] == c).ToList();
                if (members.Count == 0) continue;                 // keep the old centre
                var m = new double[dim];
                foreach (var i in members) for (int j = 0; j < dim; j++) m[j] += points[i][j];
                for (int j = 0; j < dim; j++) m[j] /= members.Count;
                centres[c] = m;
            }
        }
        var renumber = new Dictionary<int, int>();
        for (int i = 0; i < n; i++) if (!renumber.ContainsKey(labels[i])) renumber[labels[i]] = renumber.Count;
        return labels.Select(l => renumber[l]).ToArray();
    }

    private static double Dist(float[] p, double[] c)
    {
        double s = 0;
        for (int j = 0; j < p.Length; j++) { double d = p[j] - c[j]; s += d * d; }
        return s;
    }

    private static double[] ToDouble(float[] p) => Array.ConvertAll(p, x => (double)x);
}
