// Example selection against a real cache (toy-small over the toy world): the explain and score sets never share a context,
// windows hold exactly the cache's tokens and activations, negatives are silent, hard negatives are where a decoder
// neighbour fires, and the same seed gives the same sets.
using Interp.Agent.Labeling.Examples;
using Interp.Dictionaries;
using Interp.Dictionaries.Cache;

namespace Interp.Agent.Tests.Labeling.Examples;

[Collection(ToyCacheCollection.Name)]
public sealed class ExampleSelectorTests(ToyCacheFixture fx)
{
    /// <summary>Features that fire often enough for full top and quantile sets and stay silent in enough contexts for the
    /// cache's 10 random negatives.</summary>
    private IEnumerable<int> LiveFeatures(LatentCache c, int n) =>
        Enumerable.Range(0, c.FeatureCount).Where(f => c.Feature(f) is { Count: >= 40 } cf && cf.RandomNegatives.Count == 10 && cf.Density < 0.02).Take(n);

    [Fact]
    public void Select_LiveFeatures_SetsDisjointByContextAndCountsAsAsked()
    {
        using var cache = LatentCache.Open(fx.CachePath);
        var o = new ExampleOptions(Window: 20, ExplainTop: 6, ExplainQuantile: 5, ScoreTop: 6, ScoreQuantile: 8, ScoreRandom: 7);
        var sel = new ExampleSelector(cache, o);
        int checkedFeatures = 0;
        foreach (var f in LiveFeatures(cache, 12))
        {
            var s = sel.Select(f);
            var explainCtx = s.Explain.Select(e => e.ContextId).ToHashSet();
            Assert.DoesNotContain(s.Score, e => explainCtx.Contains(e.ContextId));
            Assert.Equal(s.Explain.Count, explainCtx.Count);
            Assert.Equal(s.Score.Count, s.Score.Select(e => e.ContextId).Distinct().Count());
            Assert.All(s.Explain, e => Assert.Equal(ExampleSets.Explain, e.Set));
            Assert.All(s.Score, e => Assert.Equal(ExampleSets.Score, e.Set));
            Assert.Equal(6, s.Explain.Count(e => e.Kind == ExampleKinds.Top));
            Assert.Equal(6, s.Score.Count(e => e.Kind == ExampleKinds.Top));
            Assert.InRange(s.Explain.Count(e => e.Kind == ExampleKinds.Quantile), 1, 5);
            Assert.Equal(7, s.Score.Count(e => e.Kind == ExampleKinds.Random));
            Assert.All(s.Explain.Concat(s.Score).Where(e => e.Kind is ExampleKinds.Top or ExampleKinds.Quantile), e => Assert.True(e.IsActivating));
            Assert.All(s.Score.Where(e => e.Kind == ExampleKinds.Random), e => Assert.False(e.IsActivating));
            checkedFeatures++;
        }
        Assert.True(checkedFeatures >= 8, $"only {checkedFeatures} live features in the toy cache");
    }

    [Fact]
    public void Select_Windows_HoldTheCachesTokensAndActivations()
    {
        using var cache = LatentCache.Open(fx.CachePath);
        var f = LiveFeatures(cache, 1).Single();
        var s = new ExampleSelector(cache, new ExampleOptions(Window: 16)).Select(f);
        foreach (var e in s.All)
        {
            Assert.Equal(16, e.TokenIds.Length);
            Assert.Equal(cache.ContextTokens(e.ContextId).AsSpan(e.Start, 16).ToArray(), e.TokenIds);
            Assert.Equal(cache.FeatureActivations(f, e.ContextId).AsSpan(e.Start, 16).ToArray(), e.Activations);
            Assert.Equal(e.TokenIds.Select(cache.TokenString), e.Tokens);
        }
        // a top window holds its context's peak
        var top = cache.Feature(f).TopExamples[0];
        var w = s.Explain.First(e => e.ContextId == top.ContextId);
        Assert.InRange(top.PeakPosition, w.Start, w.Start + 15);
        Assert.Equal((float)top.PeakValue, w.Max);
    }

    [Fact]
    public void Select_SameSeed_SameSets_OtherSeed_OtherQuantilePicks()
    {
        using var cache = LatentCache.Open(fx.CachePath);
        var features = LiveFeatures(cache, 10).ToList();
        string Key(ExampleSelector s, int f) => string.Join(";", s.Select(f).All.Select(e => $"{e.Set}:{e.Kind}:{e.ContextId}:{e.Start}"));
        var a = new ExampleSelector(cache, new ExampleOptions(Seed: 1));
        var b = new ExampleSelector(cache, new ExampleOptions(Seed: 1));
        var c = new ExampleSelector(cache, new ExampleOptions(Seed: 2));
        Assert.All(features, f => Assert.Equal(Key(a, f), Key(b, f)));
        Assert.Contains(features, f => Key(a, f) != Key(c, f));
    }

    [Fact]
    public void Select_MoreRandomThanStored_DrawsFurtherSilentWindows()
    {
        using var cache = LatentCache.Open(fx.CachePath);
        var f = LiveFeatures(cache, 1).Single();
        int stored = cache.Feature(f).RandomNegatives.Count;
        var s = new ExampleSelector(cache, new ExampleOptions(ScoreRandom: stored + 15)).Select(f);
        var negatives = s.Score.Where(e => e.Kind == ExampleKinds.Random).ToList();
        Assert.Equal(stored + 15, negatives.Count);
        Assert.All(negatives, e => Assert.True(cache.FeatureActivations(f, e.ContextId).All(a => a == 0)));
    }

    [Fact]
    public void Select_HardNegatives_NeighbourFiresThisFeatureDoesNot()
    {
        using var cache = LatentCache.Open(fx.CachePath);
        using var sae = Sae.Load(ToyCacheFixture.SaeDir);
        var nb = new DecoderNeighbours(sae.WDec.ToArray(), sae.DSae, sae.DIn);
        var f = LiveFeatures(cache, 3).Last();
        var o = new ExampleOptions(HardNegatives: 5, Neighbours: 6);
        var hard = new ExampleSelector(cache, o, nb).Select(f).Score.Where(e => e.Kind == ExampleKinds.HardNegative).ToList();
        Assert.NotEmpty(hard);
        var neighbours = nb.Nearest(f, 6);
        foreach (var e in hard)
        {
            Assert.False(e.IsActivating);
            Assert.Contains(neighbours, n => cache.FeatureActivations(n, e.ContextId).AsSpan(e.Start, e.TokenIds.Length).ToArray().Any(a => a > 0));
        }
    }

    [Fact]
    public void Nearest_DecoderNeighbours_MostSimilarFirstAndSelfExcluded()
    {
        // rows: 0 = x, 1 = 0.9x + 0.1y, 2 = y, 3 = -x
        var nb = new DecoderNeighbours([1, 0, 0.9f, 0.1f, 0, 1, -1, 0], 4, 2);
        Assert.Equal([1, 2, 3], nb.Nearest(0, 3));
        Assert.True(Math.Abs(nb.Cosine(0, 3) + 1) < 1e-6, "opposite directions have cosine -1");
    }
}
