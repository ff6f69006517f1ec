// Interrupting a build at any stage (inside a batch's transaction, after a commit, while finalizing) leaves a readable
// cache, and re-running resumes it into exactly the rows of an uninterrupted build, with no duplicates; re-running a
// finished build changes nothing; other finalize settings recompute; other inputs are refused.
using Interp.Dictionaries.Cache;

namespace Interp.Dictionaries.Tests.Cache;

public sealed class LatentCacheResumeTests : IClassFixture<LatentCacheResumeTests.Reference>
{
    /// <summary>The setting and the rows of its uninterrupted build, shared by the tests (each builds its own files).</summary>
    public sealed class Reference : IDisposable
    {
        public CacheTestData Data { get; } = new();
        public List<string> Rows { get; }

        public Reference()
        {
            var path = Data.Tmp.File("full.db");
            Data.Build(path);
            Rows = CacheTestData.Dump(path);
        }

        public void Dispose() => Data.Dispose();
    }

    private readonly CacheTestData _d;
    private readonly List<string> _full;

    public LatentCacheResumeTests(Reference r) => (_d, _full) = (r.Data, r.Rows);

    private string NewPath() => _d.Tmp.File(Guid.NewGuid().ToString("N") + ".db");

    private sealed class Interrupted(string why) : Exception(why);

    /// <summary>Throws at the <paramref name="nth"/> (1-based) event of <paramref name="stage"/>.</summary>
    private static CacheProgress StopAt(CacheStage stage, int nth)
    {
        int seen = 0;
        return e => { if (e.Stage == stage && ++seen == nth) throw new Interrupted($"{stage} #{nth}"); };
    }

    private static long ContextsStored(string path)
    {
        using var cache = LatentCache.Open(path);
        return cache.Info.Contexts;
    }

    [Theory]
    [InlineData(CacheStage.BatchWritten, 1)]       // inside the first batch's transaction: nothing stored
    [InlineData(CacheStage.BatchWritten, 4)]       // inside a later one: the three before it stay
    [InlineData(CacheStage.BatchCommitted, 3)]
    [InlineData(CacheStage.BatchCommitted, 6)]     // after the last (partial) batch, before the corpus is marked done
    [InlineData(CacheStage.CorpusDone, 1)]
    [InlineData(CacheStage.Counted, 1)]
    [InlineData(CacheStage.FeaturesWritten, 1)]
    [InlineData(CacheStage.FeaturesWritten, 3)]
    [InlineData(CacheStage.FeaturesCommitted, 2)]
    [InlineData(CacheStage.Finalized, 1)]
    public void Build_InterruptedThenResumed_EqualsUninterrupted(CacheStage stage, int nth)
    {
        string cut = NewPath();
        Assert.Throws<Interrupted>(() => _d.Build(cut, progress: StopAt(stage, nth)));

        // readable after the interruption, holding only whole batches
        long stored = ContextsStored(cut);
        int batch = CacheTestData.Options().BatchSize;
        Assert.True(stored % batch == 0 || stored == CacheTestData.Contexts, $"{stored} contexts is not a whole number of batches");
        if (stage == CacheStage.BatchWritten) Assert.Equal((nth - 1) * batch, stored);
        if (stage != CacheStage.Finalized)
        {
            using var partial = LatentCache.Open(cut);
            Assert.False(partial.Info.Finalized);
            var e = Assert.Throws<InvalidDataException>(() => partial.Feature(0));
            Assert.Contains("re-run `interp cache build`", e.Message);
        }

        var resumed = _d.Build(cut);
        Assert.Equal(CacheTestData.Contexts - stored, resumed.NewContexts);
        Assert.Equal(_full, CacheTestData.Dump(cut));
    }

    [Fact]
    public void Build_InterruptedRepeatedly_EqualsUninterrupted()
    {
        string cut = NewPath();
        Assert.Throws<Interrupted>(() => _d.Build(cut, progress: StopAt(CacheStage.BatchCommitted, 2)));
        Assert.Throws<Interrupted>(() => _d.Build(cut, progress: StopAt(CacheStage.BatchWritten, 2)));   // the 4th batch overall
        Assert.Equal(3 * CacheTestData.Options().BatchSize, ContextsStored(cut));
        Assert.Throws<Interrupted>(() => _d.Build(cut, progress: StopAt(CacheStage.FeaturesCommitted, 1)));
        Assert.Throws<Interrupted>(() => _d.Build(cut, progress: StopAt(CacheStage.FeaturesWritten, 1)));
        _d.Build(cut);
        Assert.Equal(_full, CacheTestData.Dump(cut));
    }

    [Fact]
    public void Build_RerunOnFinishedCache_ChangesNothing()
    {
        string path = NewPath();
        _d.Build(path);
        var again = _d.Build(path);
        Assert.Equal(0, again.NewContexts);
        Assert.Equal(_full, CacheTestData.Dump(path));
    }

    [Fact]
    public void Build_ResumedWithOtherBatchSize_SameRows()
    {
        string full = _d.Tmp.File("full.db"), cut = _d.Tmp.File("cut.db");
        _d.Build(full, CacheTestData.Options(batch: 5));
        Assert.Throws<Interrupted>(() => _d.Build(cut, CacheTestData.Options(batch: 5), StopAt(CacheStage.BatchCommitted, 3)));
        _d.Build(cut, CacheTestData.Options(batch: 5));
        Assert.Equal(_full, CacheTestData.Dump(cut));
    }

    [Fact]
    public void Build_OtherFinalizeSettings_Recomputes()
    {
        string path = NewPath(), direct = NewPath();
        _d.Build(path);
        var other = CacheTestData.Options() with { TopK = 2, Window = 3, Seed = 9 };
        _d.Build(path, other);
        _d.Build(direct, other);
        Assert.Equal(CacheTestData.Dump(direct), CacheTestData.Dump(path));
        using var cache = LatentCache.Open(path);
        Assert.All(Enumerable.Range(0, CacheTestData.DSae), f => Assert.True(cache.Feature(f).TopExamples.Count <= 2));
    }

    [Fact]
    public void Build_DifferentCorpusOrContextOnExistingCache_Refused()
    {
        using var d = new CacheTestData();                                  // its own: the corpus file changes
        string path = d.Tmp.File("c.db");
        Assert.Throws<Interrupted>(() => d.Build(path, progress: StopAt(CacheStage.BatchCommitted, 1)));
        var e = Assert.Throws<InvalidDataException>(() => d.Build(path, CacheTestData.Options() with { ContextLength = 8 }));
        Assert.Contains("a latent cache of a different context length (--context) (context '16'", e.Message);
        File.AppendAllText(d.IdsPath, " 1 2 3");
        e = Assert.Throws<InvalidDataException>(() => d.Build(path));
        Assert.Contains("a latent cache of a different corpus (corpus_fingerprint", e.Message);
    }
}
