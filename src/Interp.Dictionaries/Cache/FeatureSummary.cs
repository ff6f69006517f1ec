// Finalize's work on one feature, from all of its activations in memory (sorted by context and position): count, max,
// mean, histogram, one sort by value for the top-K contexts and the quantile bins and samples, seeded random contexts where
// it never fires, and every example's window. Pure computation, safe to run for several features at once; reading the
// activations and writing the rows is CacheFinalizer.
namespace Interp.Dictionaries.Cache;

/// <summary>What finalize stores for one feature (one row of the features table).</summary>
internal sealed record FeatureRow(int Feature, long Count, double Density, double Max, double Mean, long[] Histogram,
    IReadOnlyList<QuantileBin> Bins, byte[] Examples);

/// <param name="tokens">every context's token ids, [contexts · contextLength]</param>
/// <param name="tokenBytes">bytes per token id in the examples (ExampleBlob.TokenBytesFor)</param>
internal sealed class FeatureSummarizer(LatentCacheOptions o, int contexts, int contextLength, int[] tokens, int tokenBytes)
{
    private const int MaxKept = 1 << 20;              // a worker thread keeps its sort buffers up to 16 MB; larger ones are per feature
    [ThreadStatic] private static int[]? _order, _scratch;

    /// <summary>Feature <paramref name="f"/>'s row from its activations: <paramref name="keys"/> (context · T + position,
    /// ascending) and <paramref name="vals"/> (finite, non-zero).</summary>
    public FeatureRow Summarize(int f, ReadOnlyMemory<int> keyMemory, ReadOnlyMemory<float> valMemory)
    {
        var keys = keyMemory.Span;
        var vals = valMemory.Span;
        int n = keys.Length;
        double sum = 0;
        float max = n == 0 ? 0 : float.NegativeInfinity;
        foreach (float v in vals) { sum += v; if (v > max) max = v; }
        var hist = Histogram(vals, max);

        // one order for everything rank-based: value descending, then context and position (the keys' order)
        var (order, scratch) = n > MaxKept ? (new int[n], new int[3 * n])
            : _order is { } a && a.Length >= n ? (a, _scratch!) : (_order = new int[Math.Max(n, 1024)], _scratch = new int[3 * Math.Max(n, 1024)]);
        ValueOrder.Sort(vals, order.AsSpan(0, n), scratch);

        var picks = new List<Pick>();
        Top(order.AsSpan(0, n), keys, vals, picks);
        var bins = Quantiles(f, order.AsSpan(0, n), keys, vals, picks);
        Negatives(f, keyMemory, picks);
        long total = (long)contexts * contextLength;
        return new FeatureRow(f, n, total == 0 ? 0 : (double)n / total, max, n == 0 ? 0 : sum / n, hist, bins,
            ExampleBlob.Encode(picks, Math.Min(o.Window, contextLength), tokenBytes, p => Window(p, keyMemory.Span, valMemory.Span)));
    }

    /// <summary>Linear bins over [0, max]: bin = min(floor(value·B/max), B-1); negative values (no architecture here makes
    /// them) count in bin 0, as do all values when max is not positive.</summary>
    private long[] Histogram(ReadOnlySpan<float> vals, double max)
    {
        int nb = o.HistogramBins;
        var hist = new long[nb];
        if (!(max > 0)) { hist[0] = vals.Length; return hist; }
        double scale = nb / max;
        foreach (float v in vals) hist[Math.Max(0, Math.Min((long)(v * scale), nb - 1))]++;
        return hist;
    }

    /// <summary>The first K distinct contexts in value order: each first appearance is that context's peak (its earliest
    /// position among equal values), so these are the top K contexts by peak, ties by context id.</summary>
    private void Top(ReadOnlySpan<int> order, ReadOnlySpan<int> keys, ReadOnlySpan<float> vals, List<Pick> picks)
    {
        var seen = new HashSet<int>();
        for (int r = 0; r < order.Length && seen.Count < o.TopK; r++)
        {
            int i = order[r], c = keys[i] / contextLength;
            if (seen.Add(c)) picks.Add(new Pick(ExampleKind.Top, seen.Count - 1, -1, c, keys[i] % contextLength, vals[i]));
        }
    }

    /// <summary>Equal-count bins of the ascending values (bin b holds ascending ranks [b·n/q, (b+1)·n/q)) with their
    /// smallest and largest value (0 for an empty bin), and PerQuantile seeded samples per bin, ranked within the bin by
    /// value, highest first.</summary>
    private List<QuantileBin> Quantiles(int f, ReadOnlySpan<int> order, ReadOnlySpan<int> keys, ReadOnlySpan<float> vals, List<Pick> picks)
    {
        int q = o.Quantiles;
        long n = order.Length;
        var bins = new List<QuantileBin>(q);
        if (n == 0) return bins;
        for (int b = 0; b < q; b++)
        {
            long lo = b * n / q, hi = (b + 1) * n / q;                      // ascending ranks [lo, hi) = descending n-hi .. n-1-lo
            bins.Add(hi > lo ? new QuantileBin(b, hi - lo, vals[order[(int)(n - 1 - lo)]], vals[order[(int)(n - hi)]])
                             : new QuantileBin(b, 0, 0, 0));
            var ranks = SeededStreams.For(o.Seed, f, 1, b).Distinct(hi - lo, o.PerQuantile).Select(r => n - 1 - (lo + r)).Order().ToList();
            for (int j = 0; j < ranks.Count; j++)
            {
                int i = order[(int)ranks[j]];
                picks.Add(new Pick(ExampleKind.Quantile, b * o.PerQuantile + j, b, keys[i] / contextLength, keys[i] % contextLength, vals[i]));
            }
        }
        return bins;
    }

    private void Negatives(int f, ReadOnlyMemory<int> keys, List<Pick> picks)
    {
        if (o.RandomNegatives == 0 || contexts == 0) return;
        var chosen = CacheFinalizer.SampleSilent(contexts, o.RandomNegatives, c => Fires(keys.Span, (int)c),
            SeededStreams.For(o.Seed, f, 2, 0), SeededStreams.For(o.Seed, f, 3, 0));
        var win = SeededStreams.For(o.Seed, f, 4, 0);
        int w = Math.Min(o.Window, contextLength);
        for (int i = 0; i < chosen.Count; i++)
            picks.Add(new Pick(ExampleKind.RandomNegative, i, -1, (int)chosen[i], -1, 0, win.NextInt(contextLength - w + 1)));
    }

    private bool Fires(ReadOnlySpan<int> keys, int c)
    {
        int at = LowerBound(keys, c * contextLength);
        return at < keys.Length && keys[at] < (c + 1) * contextLength;
    }

    /// <summary>The pick's window: its first position, token ids and the feature's activations.</summary>
    private (int Start, ReadOnlyMemory<int> Tokens, float[] Acts) Window(Pick p, ReadOnlySpan<int> keys, ReadOnlySpan<float> vals)
    {
        int w = Math.Min(o.Window, contextLength);
        int start = p.Start ?? CacheFinalizer.WindowStart(p.Pos, w, contextLength, o.Window);
        int first = p.Context * contextLength + start;
        var acts = new float[w];
        if (p.Kind != ExampleKind.RandomNegative)
            for (int i = LowerBound(keys, first); i < keys.Length && keys[i] < first + w; i++) acts[keys[i] - first] = vals[i];
        return (start, new ReadOnlyMemory<int>(tokens, first, w), acts);
    }

    private static int LowerBound(ReadOnlySpan<int> keys, int key)
    {
        int lo = 0, hi = keys.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (keys[mid] < key) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}

/// <param name="Rank">order within its kind: top 0 = highest peak; quantile bin·PerQuantile + order in the bin; negatives 0..</param>
/// <param name="Bin">quantile bin, -1 for the other kinds</param>
/// <param name="Pos">the peak / sampled position; -1 for random negatives</param>
/// <param name="Start">the window's first position when drawn (random negatives); else placed around Pos</param>
internal sealed record Pick(ExampleKind Kind, int Rank, int Bin, int Context, int Pos, float Value, int? Start = null);
