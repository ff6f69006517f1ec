// FeatureIndex's own duties on top of a store: it never hands the embedder an empty batch (MiniLM throws on one), embeds
// in batches of the configured size, reports progress per written batch, and keeps the last of a key given twice.
using Interp.Index.Embedded;
using Interp.Index.Tests.Contract;
using Interp.Index.Tests.Support;

namespace Interp.Index.Tests;

public class FeatureIndexTests
{
    [Fact]
    public async Task Upsert_OnlyUnlabeled_EmbedderNeverCalled()
    {
        await using var b = new EmbeddedBackend();
        var embedder = new BagOfWordsEmbedder();
        await using var index = await FeatureIndex.OpenAsync(new EmbeddedFeatureStore(b.Path), embedder);
        var unlabeled = Enumerable.Range(0, 5).Select(i => new IndexedFeature(TestRecords.Record(TestRecords.SaeA, i, null, null),
            TestRecords.Gaussian(new Random(i), TestRecords.DIn))).ToList();
        var s = await index.UpsertAsync(unlabeled);
        Assert.Equal(new UpsertSummary(5, 0, 5), s);
        Assert.Equal(0, embedder.Calls);
        Assert.Empty(await index.SearchByTextAsync("anything"));   // no explanation vectors at all
        Assert.Equal(1, embedder.Calls);                           // only the query was embedded
    }

    [Fact]
    public async Task Upsert_Batches_EmbedsInChunksReportsProgressLastDuplicateWins()
    {
        await using var b = new EmbeddedBackend();
        var embedder = new BagOfWordsEmbedder();
        await using var index = await FeatureIndex.OpenAsync(new EmbeddedFeatureStore(b.Path), embedder, new FeatureIndexSettings { UpsertBatch = 10, EmbedBatch = 4 });
        var data = TestRecords.Set();
        var twice = data.Append(data[0] with { Record = data[0].Record with { Feature = data[0].Record.Feature,
            Explanations = [data[0].Record.Explanations[0] with { Text = "the second copy" }] } }).ToList();
        var seen = new List<int>();
        await index.UpsertAsync(twice, progress: new SyncProgress(seen.Add));
        Assert.Equal([10, 20, 30, 40, 48], seen);
        // 48 distinct keys in batches of 10, labeled ones embedded 4 at a time: ceil(labeled per batch / 4) calls per batch
        int expectedCalls = Enumerable.Range(0, 5).Sum(k => (int)Math.Ceiling(
            Enumerable.Range(1, 47).Append(0).Skip(k * 10).Take(10).Count(i => i == 0 || data[i].Record.IsLabeled) / 4.0));
        Assert.Equal(expectedCalls, embedder.Calls);
        Assert.Equal("the second copy", (await index.GetAsync([data[0].Key])).Single().Explanations[0].Text);
    }

    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
