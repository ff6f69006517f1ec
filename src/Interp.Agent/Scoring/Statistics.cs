// The statistics behind every score: Pearson correlation (as numpy's corrcoef), ROC AUC by the Mann-Whitney statistic
// (ties count one half), percentiles with numpy's default linear interpolation, and the percentile bootstrap that gives
// each score its 95 % interval. Undefined values (zero variance, an empty class) are null, never a number.
using Interp.Tensors;

namespace Interp.Agent.Scoring;

public sealed record Interval(double Low, double High, int Resamples, int Valid);

public static class Statistics
{
    public const double Level = 0.95;
    public const int DefaultResamples = 1000;

    /// <summary>Pearson's r of two equal-length series; null when either is constant or they are shorter than 2.</summary>
    public static double? Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"series differ in length ({x.Count} vs {y.Count}).");
        int n = x.Count;
        if (n < 2) return null;
        // a constant series has no variance; tested exactly, since its mean rounded back can leave a 1e-16 "variance"
        bool xConst = true, yConst = true;
        for (int i = 1; i < n && (xConst || yConst); i++) { xConst &= x[i] == x[0]; yConst &= y[i] == y[0]; }
        if (xConst || yConst) return null;
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
        mx /= n; my /= n;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
        }
        if (sxx <= 0 || syy <= 0) return null;
        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
    }

    /// <summary>Area under the ROC curve of <paramref name="positives"/> against <paramref name="negatives"/> scores:
    /// P(pos &gt; neg) + ½ P(pos = neg). Null when either list is empty.</summary>
    public static double? Auc(IReadOnlyList<double> positives, IReadOnlyList<double> negatives)
    {
        if (positives.Count == 0 || negatives.Count == 0) return null;
        // rank-sum with mid-ranks for ties: O((p+n) log(p+n))
        var all = positives.Select(v => (v, pos: true)).Concat(negatives.Select(v => (v, pos: false))).OrderBy(t => t.v).ToArray();
        double rankSumPos = 0;
        for (int i = 0; i < all.Length;)
        {
            int j = i;
            while (j < all.Length && all[j].v.Equals(all[i].v)) j++;
            double midRank = (i + 1 + j) / 2.0;                   // ranks i+1..j
            for (int t = i; t < j; t++) if (all[t].pos) rankSumPos += midRank;
            i = j;
        }
        double p = positives.Count, q = negatives.Count;
        return (rankSumPos - p * (p + 1) / 2) / (p * q);
    }

    /// <summary>The q-th quantile (0..1) of <paramref name="sorted"/> (ascending), linear between order statistics.</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) throw new ArgumentException("no values.");
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /// <summary>Percentile bootstrap: <paramref name="statistic"/> is evaluated on <paramref name="resamples"/> resamples
    /// it draws itself from the given generator (null when undefined on that resample); the interval is the 2.5th and
    /// 97.5th percentiles of the defined ones. NaN bounds when fewer than half are defined.</summary>
    public static Interval Bootstrap(Func<Rng, double?> statistic, ulong seed, int resamples = DefaultResamples)
    {
        var rng = new Rng(seed);
        var values = new List<double>(resamples);
        for (int b = 0; b < resamples; b++)
            if (statistic(rng) is double v && double.IsFinite(v)) values.Add(v);
        if (values.Count * 2 < resamples) return new Interval(double.NaN, double.NaN, resamples, values.Count);
        values.Sort();
        double tail = (1 - Level) / 2;
        return new Interval(Quantile(values, tail), Quantile(values, 1 - tail), resamples, values.Count);
    }

    /// <summary>n indices drawn uniformly with replacement from 0..n-1.</summary>
    public static int[] Resample(Rng rng, int n)
    {
        var idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = rng.NextInt(n);
        return idx;
    }
}
