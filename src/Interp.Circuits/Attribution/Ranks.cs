// Spearman rank correlation (Pearson correlation of average ranks, so ties are handled), used to compare attribution
// estimates with exact patching.
namespace Interp.Circuits;

public static class Ranks
{
    /// <summary>Average ranks (1-based; ties share the mean of their ranks).</summary>
    public static double[] Of(IReadOnlyList<double> x)
    {
        var order = Enumerable.Range(0, x.Count).OrderBy(i => x[i]).ToArray();
        var r = new double[x.Count];
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && x[order[j + 1]] == x[order[i]]) j++;
            double avg = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) r[order[k]] = avg;
            i = j + 1;
        }
        return r;
    }

    /// <summary>Spearman's ρ of two equally long series; null with fewer than 3 points or a constant series.</summary>
    public static double? Spearman(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"Spearman needs series of one length; got {a.Count} and {b.Count}.");
        if (a.Count < 3) return null;
        return Pearson(Of(a), Of(b));
    }

    public static double? Pearson(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Count; i++) { double da = a[i] - ma, db = b[i] - mb; sab += da * db; saa += da * da; sbb += db * db; }
        return saa == 0 || sbb == 0 ? null : sab / Math.Sqrt(saa * sbb);
    }
}
