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
