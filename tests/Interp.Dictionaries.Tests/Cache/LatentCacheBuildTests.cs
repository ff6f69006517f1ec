// The finalized cache against a brute-force scan of the same contexts: per-feature counts, densities, max, mean and
// histograms; top-K contexts (values and (context, position) of each peak) with their windows; quantile samples inside
// their bins; random negatives where the feature really never fires.
using Interp.Dictionaries.Cache;

namespace Interp.Dictionaries.Tests.Cache;

public sealed class LatentCacheBuildTests : IClassFixture<LatentCacheBuildTests.Built>
{
    /// <summary>One build shared by the tests of this class (they only read it).</summary>
    public sealed class Built : IDisposable
    {
        public CacheTestData Data { get; } = new();
        public LatentCacheOptions Options { get; } = CacheTestData.Options();
        public string Path { get; }
        public CacheBuildResult Result { get; }
        public float[][][] Acts { get; }
        public CachedFeature[] Features { get; }

        public Built()
        {
            Path = Data.Tmp.File("cache.db");
            Result = Data.Build(Path, Options);
            Acts = Data.BruteForce(Options.BatchSize);
            using var cache = LatentCache.Open(Path);
            Features = Enumerable.Range(0, CacheTestData.DSae).Select(cache.Feature).ToArray();
        }

        public void Dispose() => Data.Dispose();
    }

    // Sums of up to 640 float32 values in double, in a different order than SQLite's TOTAL: relative 1e-12 is ample.
    private const double SumOrderTolerance = 1e-12;
    private readonly Built _b;
    private const int N = CacheTestData.Contexts, T = CacheTestData.ContextLength;

    public LatentCacheBuildTests(Built b) => _b = b;

    private IEnumerable<(int c, int p, double v)> Firing(int f)
    {
        for (int c = 0; c < N; c++)
            for (int p = 0; p < T; p++)
                if (_b.Acts[c][p][f] != 0) yield return (c, p, _b.Acts[c][p][f]);
    }

    [Fact]
    public void Build_CountsEveryContextTokenAndNonZeroActivation()
    {
        Assert.Equal(N, _b.Result.Contexts);
        Assert.Equal(N * T, _b.Result.Tokens);
        Assert.Equal(N, _b.Result.NewContexts);
        Assert.Equal(0, _b.Result.TailTokens);
        long nonZero = Enumerable.Range(0, CacheTestData.DSae).Sum(f => (long)Firing(f).Count());
        Assert.Equal(nonZero, _b.Result.Activations);
    }

    [Fact]
    public void Feature_StatsEqualBruteForce()
    {
        for (int f = 0; f < CacheTestData.DSae; f++)
        {
            var rec = _b.Features[f];
            var vals = Firing(f).Select(x => x.v).ToArray();
            Assert.Equal(vals.Length, rec.Count);
            Assert.Equal(N * T, rec.Tokens);
            Assert.Equal((double)vals.Length / (N * T), rec.Density);
            Assert.Equal(vals.Length == 0 ? 0 : vals.Max(), rec.Max);
            double mean = vals.Length == 0 ? 0 : vals.Sum() / vals.Length;
            Assert.True(Math.Abs(mean - rec.Mean) <= SumOrderTolerance * Math.Max(1, Math.Abs(mean)), $"feature {f}: mean {rec.Mean} vs {mean}");
            var hist = new long[_b.Options.HistogramBins];
            double scale = _b.Options.HistogramBins / (vals.Length == 0 ? 1 : vals.Max());
            foreach (var v in vals) hist[Math.Min((long)(v * scale), hist.Length - 1)]++;
            Assert.Equal(hist, rec.Histogram.Counts);
        }
        // the setting covers a dead feature, one that fires on every token, and partial ones
        Assert.Equal(0, _b.Features[CacheTestData.DeadFeature].Count);
        Assert.Equal(N * T, _b.Features[CacheTestData.DenseFeature].Count);
        Assert.Contains(_b.Features, r => r.Count > 0 && r.Count < N * T / 4);
    }

    [Fact]
    public void TopExamples_EqualBruteForceTopContextsByPeak()
    {
        for (int f = 0; f < CacheTestData.DSae; f++)
        {
            // per context: its peak (largest value, first position among equals); contexts ranked by peak, then id
            var expected = Enumerable.Range(0, N)
                .Select(c => (c, p: Enumerable.Range(0, T).OrderByDescending(p => _b.Acts[c][p][f]).ThenBy(p => p).First()))
                .Select(x => (x.c, x.p, v: (double)_b.Acts[x.c][x.p][f]))
                .Where(x => x.v != 0).OrderByDescending(x => x.v).ThenBy(x => x.c).Take(_b.Options.TopK).ToArray();
            var top = _b.Features[f].TopExamples;
            Assert.Equal(expected.Length, top.Count);
            for (int i = 0; i < top.Count; i++)
            {
                var e = top[i];
                Assert.Equal(i, e.Rank);
                Assert.Equal((expected[i].c, expected[i].p, expected[i].v), ((int)e.ContextId, e.PeakPosition, e.PeakValue));
                CheckWindow(f, e);
                Assert.Equal((float)e.PeakValue, e.Activations[e.PeakIndex]);
            }
        }
    }

    [Fact]
    public void QuantileExamples_FallInsideTheirBins()
    {
        int q = _b.Options.Quantiles, s = _b.Options.PerQuantile;
        for (int f = 0; f < CacheTestData.DSae; f++)
        {
            var rec = _b.Features[f];
            var sorted = Firing(f).Select(x => x.v).Order().ToArray();
            long n = sorted.Length;
            Assert.Equal(n == 0 ? 0 : q, rec.QuantileBins.Count);
            foreach (var bin in rec.QuantileBins)
            {
                long lo = bin.Bin * n / q, hi = (bin.Bin + 1) * n / q;
                Assert.Equal(hi - lo, bin.Count);
                if (hi > lo) Assert.Equal((sorted[lo], sorted[hi - 1]), (bin.Low, bin.High));
                var samples = rec.QuantileExamples.Where(e => e.QuantileBin == bin.Bin).ToList();
                Assert.Equal(Math.Min(s, hi - lo), samples.Count);
                Assert.Equal(samples.Count, samples.Select(e => (e.ContextId, e.PeakPosition)).Distinct().Count());
                foreach (var e in samples)
                {
                    Assert.InRange(e.PeakValue, sorted[lo], sorted[hi - 1]);
                    Assert.Equal(e.PeakValue, (double)_b.Acts[e.ContextId][e.PeakPosition][f]);
                    CheckWindow(f, e);
                }
            }
        }
    }

    [Fact]
    public void RandomNegatives_NeverFireAndAreDistinct()
    {
        for (int f = 0; f < CacheTestData.DSae; f++)
        {
            var neg = _b.Features[f].RandomNegatives;
            int silent = Enumerable.Range(0, N).Count(c => _b.Acts[c].All(row => row[f] == 0));
            Assert.Equal(Math.Min(_b.Options.RandomNegatives, silent), neg.Count);
            Assert.Equal(neg.Count, neg.Select(e => e.ContextId).Distinct().Count());
            foreach (var e in neg)
            {
                Assert.All(_b.Acts[e.ContextId], row => Assert.Equal(0f, row[f]));
                Assert.Equal(-1, e.PeakIndex);
                CheckWindow(f, e);
            }
        }
        Assert.Empty(_b.Features[CacheTestData.DenseFeature].RandomNegatives);
        Assert.Equal(_b.Options.RandomNegatives, _b.Features[CacheTestData.DeadFeature].RandomNegatives.Count);
    }

    [Fact]
    public void ContextReads_EqualBruteForce()
    {
        using var cache = LatentCache.Open(_b.Path);
        for (int c = 0; c < N; c++)
        {
            Assert.Equal(_b.Data.ContextIds[c].Select(x => (int)x), cache.ContextTokens(c));
            for (int f = 0; f < CacheTestData.DSae; f++)
                Assert.Equal(Enumerable.Range(0, T).Select(p => _b.Acts[c][p][f]), cache.FeatureActivations(f, c));
        }
        Assert.Equal("[7]", cache.TokenString(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.ContextTokens(N));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.FeatureActivations(CacheTestData.DSae, 0));
    }

    /// <summary>The window holds the context's ids and the feature's activations from its start, with the peak where the
    /// window rule puts it (three quarters in, shifted at the context's edges).</summary>
    private void CheckWindow(int f, CacheExample e)
    {
        int w = Math.Min(_b.Options.Window, T);
        Assert.Equal(w, e.TokenIds.Count);
        Assert.InRange(e.Start, 0, T - w);
        for (int i = 0; i < w; i++)
        {
            Assert.Equal(_b.Data.ContextIds[e.ContextId][e.Start + i], e.TokenIds[i]);
            Assert.Equal($"[{e.TokenIds[i]}]", e.Tokens[i]);
            Assert.Equal(_b.Acts[e.ContextId][e.Start + i][f], e.Activations[i]);
        }
        if (e.Kind == ExampleKind.RandomNegative) return;
        Assert.Equal(e.PeakPosition - e.Start, e.PeakIndex);
        int before = _b.Options.Window - 1 - _b.Options.Window / 4;
        Assert.Equal(Math.Clamp(e.PeakPosition - before, 0, T - w), e.Start);
    }
}
