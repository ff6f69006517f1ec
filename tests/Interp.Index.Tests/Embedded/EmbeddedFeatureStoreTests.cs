// The embedded store's own duties beyond the contract: refusing files that are not its index (with the fix), WAL,
// several stores on one file seeing each other's writes and deletes, readers running while a writer upserts.
using Interp.Index.Embedded;
using Interp.Index.Tests.Contract;
using Interp.Index.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Interp.Index.Tests.Embedded;

public class EmbeddedFeatureStoreTests
{
    private static Task<FeatureIndex> Open(string path, bool create = true) =>
        FeatureIndex.OpenAsync(new EmbeddedFeatureStore(path, create), new BagOfWordsEmbedder());

    private static void Exec(string path, string sql)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    [Fact]
    public async Task Open_NotSqliteFile_ClearErrorFileUntouched()
    {
        await using var b = new EmbeddedBackend();
        File.WriteAllText(b.Path, "{\"this\": \"is json, not an index\"}");
        var e = await Assert.ThrowsAsync<FeatureIndexException>(() => Open(b.Path));
        Assert.Contains("is not a SQLite file", e.Message);
        Assert.Contains(b.Path, e.Message);
        Assert.Equal("{\"this\": \"is json, not an index\"}", File.ReadAllText(b.Path));
    }

    [Fact]
    public async Task Open_OtherSqliteDatabase_ClearError()
    {
        await using var b = new EmbeddedBackend();
        Exec(b.Path, "CREATE TABLE contexts(id INTEGER)");
        var e = await Assert.ThrowsAsync<FeatureIndexException>(() => Open(b.Path));
        Assert.Contains("not an Interp feature index", e.Message);
        Assert.Contains("contexts", e.Message);
    }

    [Fact]
    public async Task Open_OtherSchemaVersion_ClearErrorWithFix()
    {
        await using var b = new EmbeddedBackend();
        await (await Open(b.Path)).DisposeAsync();
        Exec(b.Path, "UPDATE meta SET value = '9' WHERE key = 'schema_version'");
        var e = await Assert.ThrowsAsync<FeatureIndexException>(() => Open(b.Path));
        Assert.Contains("schema version 9", e.Message);
        Assert.Contains("run `interp index` again", e.Message);
    }

    [Fact]
    public async Task Open_MissingWithoutCreate_ClearErrorNothingCreated()
    {
        await using var b = new EmbeddedBackend();
        var e = await Assert.ThrowsAsync<FeatureIndexException>(() => Open(b.Path, create: false));
        Assert.Contains("no feature index at", e.Message);
        Assert.False(File.Exists(b.Path));
    }

    [Fact]
    public async Task Open_NewFile_WalMode()
    {
        await using var b = new EmbeddedBackend();
        await (await Open(b.Path)).DisposeAsync();
        using var c = new SqliteConnection($"Data Source={b.Path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string)cmd.ExecuteScalar()!);
    }

    [Fact]
    public async Task TwoStoresOneFile_WritesAndDeletesOfOne_SeenByOther()
    {
        await using var b = new EmbeddedBackend();
        await using var writer = await Open(b.Path);
        await using var reader = await Open(b.Path);
        var data = TestRecords.Set();
        await writer.UpsertAsync(data.Take(20).ToList());
        var q = data[30].Decoder!;
        Assert.DoesNotContain(data[30].Key, (await reader.SearchByVectorAsync(VectorKind.Decoder, q, top: 5)).Select(h => h.Key));   // reader's cache is built here
        await writer.UpsertAsync(data.Skip(20).ToList());
        Assert.Equal(data[30].Key, (await reader.SearchByVectorAsync(VectorKind.Decoder, q, top: 1))[0].Key);
        await writer.DeleteAsync([data[30].Key]);
        Assert.DoesNotContain(data[30].Key, (await reader.SearchByVectorAsync(VectorKind.Decoder, q, top: 48)).Select(h => h.Key));
        var changed = data[31] with { Record = data[31].Record with { Explanations = [data[31].Record.Explanations[0] with { Text = "zebra crossing" }] } };
        await writer.UpsertAsync([changed]);
        Assert.Equal(data[31].Key, (await reader.SearchByTextAsync("zebra crossing", top: 1))[0].Key);
        Assert.Equal(47, await reader.CountAsync());
    }

    [Fact]
    public async Task UpsertsAndDeletes_InMemoryMatrixInStep_AndAfterReopen()
    {
        await using var b = new EmbeddedBackend();
        var data = TestRecords.Set();
        var live = data.Take(30).ToDictionary(f => f.Key);
        var rng = new Random(3);
        var queries = Enumerable.Range(0, 4).Select(_ => TestRecords.Gaussian(rng, TestRecords.DIn)).ToArray();
        var filter = new FeatureFilter { Labeled = true, MinScore = 0.3 };
        Func<Interp.Index.Records.FeatureRecord, bool> pass = r => r.Explanations.Count > 0 && r.Scores.Count > 0 && r.Scores[0].Value >= 0.3;
        async Task Check(FeatureIndex index, string when)
        {
            foreach (var q in queries)
            {
                Oracle.AssertRanking(Oracle.Rank(live.Values, VectorKind.Decoder, q, _ => true, 10),
                    await index.SearchByVectorAsync(VectorKind.Decoder, q, top: 10), true, live.Values, VectorKind.Decoder, q, _ => true, when);
                Oracle.AssertRanking(Oracle.Rank(live.Values, VectorKind.Decoder, q, pass, 10),
                    await index.SearchByVectorAsync(VectorKind.Decoder, q, filter, top: 10), true, live.Values, VectorKind.Decoder, q, pass, when + " (filtered)");
            }
        }
        await using (var index = await Open(b.Path))
        {
            await index.UpsertAsync(data.Take(30).ToList());          // a new file: written straight into the in-memory copy
            await Check(index, "after the first upsert");
            await index.UpsertAsync(data.Skip(30).ToList());
            foreach (var f in data.Skip(30)) live[f.Key] = f;
            await Check(index, "after the second upsert");
            var gone = data.Where((_, i) => i % 5 == 1).Select(f => f.Key).ToList();
            await index.DeleteAsync(gone);
            foreach (var k in gone) live.Remove(k);
            await Check(index, "after deleting by key");
            await index.DeleteAsync(new FeatureFilter { RunId = "run-2", Layer = 2 });
            foreach (var k in live.Values.Where(f => f.Record.Provenance.RunId == "run-2" && f.Record.Sae.Layer == 2).Select(f => f.Key).ToList()) live.Remove(k);
            await Check(index, "after deleting by filter");
            // New decoder directions and new scores for surviving features (replaced in place, nothing duplicated).
            var changed = live.Values.Where((_, i) => i % 3 == 0 && _.Decoder is not null).Select(f => f with
            {
                Decoder = TestRecords.Gaussian(rng, TestRecords.DIn),
                Record = f.Record with { Scores = [new Interp.Index.Records.Score("simulation", "offline_lexical", 0.95, 0.9, 1, 0, new Dictionary<string, double>(), [], null, null)] },
            }).ToList();
            await index.UpsertAsync(changed);
            foreach (var f in changed) live[f.Key] = f;
            await Check(index, "after replacing vectors and scores");
            Assert.Equal(live.Count, await index.CountAsync());
        }
        await using (var reopened = await Open(b.Path, create: false))
            await Check(reopened, "after reopening");
    }

    [Fact]
    public async Task Readers_WhileWriterUpserts_NoErrorsAndCountsOnlyGrow()
    {
        await using var b = new EmbeddedBackend();
        await using var index = await Open(b.Path);
        await using var other = await Open(b.Path);   // a second store on the file: its reads go through the file's revisions
        var rng = new Random(4);
        var batches = Enumerable.Range(0, 30).Select(k => Enumerable.Range(0, 20).Select(i => new IndexedFeature(
            TestRecords.Record(TestRecords.SaeA with { DSae = 1024 }, k * 20 + i, $"topic {k} item {i}", 0.5), TestRecords.Gaussian(rng, TestRecords.DIn))).ToList()).ToList();
        using var done = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            foreach (var batch in batches) await index.UpsertAsync(batch);
            done.Cancel();
        });
        async Task<int> Read(IFeatureIndex ix, int seed)
        {
            var r = new Random(seed);
            long last = 0;
            int reads = 0;
            while (!done.IsCancellationRequested)
            {
                long n = await ix.CountAsync();
                Assert.True(n >= last && n % 20 == 0, $"count {n} after {last}: a reader saw part of a batch or went back");
                last = n;
                var hits = await ix.SearchByVectorAsync(VectorKind.Decoder, TestRecords.Gaussian(r, TestRecords.DIn), top: 5);
                // the search runs after the count, so it sees at least those points
                Assert.True(hits.Count == 5 || (hits.Count >= n && hits.Count % 20 == 0), $"{hits.Count} hits with {n} points counted before");
                reads++;
            }
            return reads;
        }
        var readers = new[] { Task.Run(() => Read(index, 1)), Task.Run(() => Read(other, 2)), Task.Run(() => Read(other, 3)) };
        await writer;
        var reads = await Task.WhenAll(readers);
        Assert.Equal(600, await other.CountAsync());
        Assert.Equal(600, (await other.SearchByVectorAsync(VectorKind.Decoder, batches[0][0].Decoder!, top: 600)).Count);
        Assert.True(reads.Sum() > 0, "no reads ran");
    }

    [Fact]
    public async Task Upsert_AnotherProcessHoldsTheWriteLock_ClearErrorNothingWritten()
    {
        await using var b = new EmbeddedBackend();
        await using var index = await FeatureIndex.OpenAsync(new EmbeddedFeatureStore(b.Path, busyTimeoutSeconds: 1), new BagOfWordsEmbedder());
        var data = TestRecords.Set();
        await index.UpsertAsync(data.Take(10).ToList());
        using (var other = new SqliteConnection($"Data Source={b.Path};Pooling=False"))
        {
            other.Open();
            using var tx = other.BeginTransaction();   // BEGIN IMMEDIATE: the write lock, held
            var e = await Assert.ThrowsAsync<FeatureIndexException>(() => index.UpsertAsync(data.Skip(10).ToList()));
            Assert.Contains("nothing of this batch was written", e.Message);
            Assert.Contains("locked", e.Message);
        }
        Assert.Equal(10, await index.CountAsync());
        await index.UpsertAsync(data.Skip(10).ToList());   // the lock gone, the same call succeeds
        Assert.Equal(48, await index.CountAsync());
    }
}
