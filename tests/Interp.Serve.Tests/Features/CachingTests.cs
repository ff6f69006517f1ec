// The caches on the serving path, against a real server: rendered feature pages (FeaturePageCache, served while the
// data version they were rendered at holds) and query-text embeddings (FeatureIndex's LRU). A hit is the bytes of a
// miss; a label written into the index — by this server or by another writer of the same file — a dropped latent cache
// and Invalidate() all show on the next request; both caches stay within their bounds, least recently used out first.
using System.Text.Json;
using Interp.Index;
using Interp.Index.Caching;
using Interp.Index.Embeddings;
using Interp.Index.Records;
using Interp.Serve.Catalog;
using Interp.Serve.Features;
using Interp.Serve.Settings;
using Interp.Serve.Ui;
using Microsoft.Extensions.DependencyInjection;

namespace Interp.Serve.Tests.Features;

[Collection(ServeCollection.Name)]
public sealed class CachingTests(LabeledServerFixture f) : IClassFixture<LabeledServerFixture>
{
    private const string Sae = ServeTestEnv.Sae;
    private ServerFixture S => f.Server;
    private FeaturePageCache Pages => S.Services.GetRequiredService<FeaturePageCache>();

    [Fact]
    public async Task PageHit_IsTheBytesOfTheMiss_HtmlAndJson()
    {
        foreach (var url in new[] { $"/features/{Sae}/3", $"/api/saes/{Sae}/features/3?neighbours=5" })
        {
            long misses = Pages.Misses, hits = Pages.Hits;
            var miss = await S.Reader.GetByteArrayAsync(url);
            Assert.Equal((misses + 1, hits), (Pages.Misses, Pages.Hits));
            var hit = await S.Reader.GetByteArrayAsync(url);
            Assert.Equal((misses + 1, hits + 1), (Pages.Misses, Pages.Hits));
            Assert.Equal(miss, hit);
        }
        // what is served is what rendering the feature's data now gives
        var view = await S.Services.GetRequiredService<FeatureService>().GetAsync(Sae, 3, 8);
        Assert.Equal(UiEndpoints.FeaturePage(view), await S.Reader.GetByteArrayAsync($"/features/{Sae}/3"));
        var json = JsonDocument.Parse(await S.Reader.GetStringAsync($"/api/saes/{Sae}/features/3?neighbours=5")).RootElement;
        Assert.Equal(5, json.GetProperty("neighbours").GetArrayLength());     // the neighbour count is part of the key
        Assert.Equal(8, JsonDocument.Parse(await S.Reader.GetStringAsync($"/api/saes/{Sae}/features/3")).RootElement.GetProperty("neighbours").GetArrayLength());
    }

    [Fact]
    public async Task LabelWrittenIntoTheIndex_ShowsOnTheNextRequest_ByAnotherWriterAndByTheServer()
    {
        string page = $"/features/{Sae}/9", api = $"/api/saes/{Sae}/features/9";
        string before = await S.Reader.GetStringAsync(page);
        Assert.Contains("(test record 9)", before);
        Assert.Equal(before, await S.Reader.GetStringAsync(page));
        await S.Reader.GetStringAsync(api);
        long hits = Pages.Hits;
        Assert.Equal(before, await S.Reader.GetStringAsync(page));                    // cached
        Assert.Equal(hits + 1, Pages.Hits);

        // another writer of the same index file (what `interp index` run beside the server is)
        var settings = S.Services.GetRequiredService<ServeSettings>();
        await using (var other = await FeatureIndexFactory.OpenAsync(settings.Index, new MiniLmEmbeddingGenerator(), create: false))
            await Relabel(other, 9, "relabeled by another writer");
        string after = await S.Reader.GetStringAsync(page);
        Assert.Contains("relabeled by another writer", after);
        Assert.DoesNotContain("(test record 9)", after);
        Assert.Equal("relabeled by another writer", Label(await S.Reader.GetStringAsync(api)));

        // the server's own index (what index, label and rescore jobs write through)
        await Relabel(await S.Services.GetRequiredService<SharedFeatureIndex>().GetAsync(), 9, "relabeled through the server");
        Assert.Contains("relabeled through the server", await S.Reader.GetStringAsync(page));
        Assert.Equal("relabeled through the server", Label(await S.Reader.GetStringAsync(api)));
    }

    [Fact]
    public async Task DroppedLatentCacheOrInvalidate_RendersAgain()
    {
        string page = $"/features/{Sae}/11";
        var first = await S.Reader.GetByteArrayAsync(page);
        await S.Reader.GetByteArrayAsync(page);
        foreach (var change in new Action[]
                 {
                     () => S.Services.GetRequiredService<SaeCatalog>().Reopen(Sae),                  // a cache_build job finished
                     () => Pages.Invalidate(),                                                     // the explicit hook
                     () => File.SetLastWriteTimeUtc(S.Services.GetRequiredService<ServeSettings>().Saes[Sae].Cache!, DateTime.UtcNow.AddMinutes(1)),
                 })
        {
            change();
            long misses = Pages.Misses;
            Assert.Equal(first, await S.Reader.GetByteArrayAsync(page));                  // rendered again: the data is the same
            Assert.Equal(misses + 1, Pages.Misses);
            long hits = Pages.Hits;
            await S.Reader.GetByteArrayAsync(page);
            Assert.Equal(hits + 1, Pages.Hits);
        }
    }

    [Fact]
    public async Task RepeatedSearchText_SkipsTheEmbedder_SameAnswer()
    {
        var ix = (FeatureIndex)await S.Services.GetRequiredService<SharedFeatureIndex>().GetAsync();
        string url = $"/api/search?text=colours%20of%20things%20in%20the%20caching%20test&sae={Sae}&top=5";
        var s0 = ix.QueryCacheStats!.Value;
        string first = await S.Reader.GetStringAsync(url);
        var s1 = ix.QueryCacheStats!.Value;
        Assert.Equal((s0.Misses + 1, s0.Hits), (s1.Misses, s1.Hits));
        string second = await S.Reader.GetStringAsync($"/api/search?text=colours%20of%20things%20in%20the%20caching%20test&sae={Sae}&top=5&min_score=0");
        var s2 = ix.QueryCacheStats!.Value;
        Assert.Equal((s1.Misses, s1.Hits + 1), (s2.Misses, s2.Hits));                  // the same text under another filter: no embedding
        Assert.Equal(first, second);
        Assert.StartsWith("colours of things", JsonDocument.Parse(first).RootElement[0].GetProperty("label").GetString());
    }

    [Fact]
    public void PageCache_IsBoundedByEntriesAndBytes_AndKeysOnTheVersion()
    {
        var v = new FeaturePageCache.DataVersion(1, default, 0);
        static FeaturePageCache.Key K(int i) => new(FeaturePageCache.Format.Html, "s", i, 8);
        var byCount = new FeaturePageCache(maxEntries: 3, maxBytes: 1 << 20);
        for (int i = 0; i < 10; i++) byCount.Set(K(i), v, new byte[1000]);
        Assert.Equal(3, byCount.Count);
        Assert.True(byCount.TryGet(K(7), v, out _));                                     // 7 is now the most recent
        byCount.Set(K(10), v, new byte[1000]);
        Assert.False(byCount.TryGet(K(8), v, out _));                                    // so 8 went first
        Assert.True(byCount.TryGet(K(7), v, out _) && byCount.TryGet(K(9), v, out _) && byCount.TryGet(K(10), v, out _));
        Assert.False(byCount.TryGet(K(7), v with { IndexRevision = 2 }, out _));         // another data version is a miss

        var byBytes = new FeaturePageCache(maxEntries: 100, maxBytes: 10_000);
        for (int i = 0; i < 10; i++) byBytes.Set(K(i), v, new byte[4000]);
        Assert.Equal(2, byBytes.Count);
        Assert.True(byBytes.Bytes <= 10_000);
        byBytes.Set(K(99), v, new byte[20_000]);                                         // over the whole budget: not kept
        Assert.False(byBytes.TryGet(K(99), v, out _));

        var off = new FeaturePageCache(maxBytes: 0);
        off.Set(K(1), v, new byte[10]);
        Assert.False(off.TryGet(K(1), v, out _));
    }

    [Fact]
    public void BoundedLru_EvictsLeastRecentlyUsed_ReplacesInPlace_CountsHits()
    {
        var lru = new BoundedLru<string, float[]>(2);
        lru.Set("a", [1]);
        lru.Set("b", [2]);
        Assert.True(lru.TryGet("a", out var a) && a[0] == 1);
        lru.Set("c", [3]);                                                               // b was least recently used
        Assert.False(lru.TryGet("b", out _));
        lru.Set("a", [4]);                                                               // replaced, not added
        Assert.Equal(2, lru.Count);
        Assert.True(lru.TryGet("a", out var a2) && a2[0] == 4);
        Assert.Equal((2L, 1L, 1L), (lru.Hits, lru.Misses, lru.Evictions));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BoundedLru<string, int>(0));
    }

    private async Task Relabel(IFeatureIndex ix, int feature, string text)
    {
        var key = new FeatureKey(S.Services.GetRequiredService<SaeCatalog>().Decoder(Sae).SaeId, feature);
        var rec = (await ix.GetAsync([key])).Single();
        var decoder = await ix.GetVectorAsync(key, VectorKind.Decoder);
        await ix.UpsertAsync([new IndexedFeature(rec with { Explanations = [new Explanation(text, "offline", null, null, null, [])] }, decoder)]);
    }

    private static string? Label(string featureJson) =>
        JsonDocument.Parse(featureJson).RootElement.GetProperty("labels")[0].GetProperty("text").GetString();
}
