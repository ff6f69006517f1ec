// The embedded store's vector sidecar ("<index>.db.vectors"): a cold open from it ranks exactly as a load from SQLite and
// as brute force (every filter, both vector kinds); a sidecar older than the file (a writer that stopped between its
// SQLite commit and the sidecar write) is caught up by revision; a corrupted, truncated, newer or foreign sidecar is
// never believed: the index is read from SQLite, the results stay exact, and the sidecar is rewritten.
using Interp.Index.Embedded;
using Interp.Index.Tests.Contract;
using Interp.Index.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Interp.Index.Tests.Embedded;

public class VectorSidecarTests
{
    /// <param name="minRows">rows changed before the store rewrites the sidecar (1: always; int.MaxValue: never)</param>
    private static async Task<(FeatureIndex Index, EmbeddedFeatureStore Store)> Open(string path, int minRows = 1, bool create = true)
    {
        var store = new EmbeddedFeatureStore(path, create) { SidecarMinRows = minRows };
        return (await FeatureIndex.OpenAsync(store, new BagOfWordsEmbedder()), store);
    }

    private static float[][] Queries(int seed) =>
        Enumerable.Range(0, 4).Select(_ => TestRecords.Gaussian(new Random(seed++), TestRecords.DIn)).ToArray();

    /// <summary>Every filter × (decoder queries, text queries) against brute force over <paramref name="live"/>.</summary>
    private static async Task AssertExact(FeatureIndex index, IReadOnlyCollection<IndexedFeature> live, string when)
    {
        foreach (var (name, filter, pass) in Oracle.Filters)
        {
            foreach (var q in Queries(11))
                Oracle.AssertRanking(Oracle.Rank(live, VectorKind.Decoder, q, pass, 10), await index.SearchByVectorAsync(VectorKind.Decoder, q, filter, top: 10),
                    true, live, VectorKind.Decoder, q, pass, $"{when}, decoder, {name}");
            foreach (var text in new[] { "dates and times", "the cat sat", "numbers" })
            {
                var q = BagOfWordsEmbedder.Embed(text);
                Oracle.AssertRanking(Oracle.Rank(live, VectorKind.Explanation, q, pass, 10), await index.SearchByTextAsync(text, filter, top: 10),
                    true, live, VectorKind.Explanation, q, pass, $"{when}, text '{text}', {name}");
            }
        }
    }

    private static async Task<List<(FeatureKey, float)>> Answers(FeatureIndex index)
    {
        var all = new List<(FeatureKey, float)>();
        foreach (var (_, filter, _) in Oracle.Filters)
            foreach (var q in Queries(11))
                all.AddRange((await index.SearchByVectorAsync(VectorKind.Decoder, q, filter, top: 50)).Select(h => (h.Key, h.Score)));
        foreach (var text in new[] { "dates and times", "the cat sat" })
            all.AddRange((await index.SearchByTextAsync(text, top: 50)).Select(h => (h.Key, h.Score)));
        return all;
    }

    private static async Task<EmbeddedBackend> Built(List<IndexedFeature> data)
    {
        var b = new EmbeddedBackend();
        var (index, _) = await Open(b.Path);
        await index.UpsertAsync(data);
        await index.DeleteAsync([data[3].Key]);
        await index.DisposeAsync();          // writes the sidecar at the file's revision
        Assert.True(File.Exists(b.Path + VectorSidecar.Suffix), "no sidecar after disposing the writer");
        return b;
    }

    [Fact]
    public async Task ColdOpen_FromSidecar_SameAnswersAsFromSqlite_AndAsBruteForce()
    {
        var data = TestRecords.Set();
        await using var b = await Built(data);
        var live = data.Where((_, i) => i != 3).ToList();
        List<(FeatureKey, float)> fromSidecar, fromSqlite;
        var (a, sa) = await Open(b.Path, create: false);
        await using (a)
        {
            fromSidecar = await Answers(a);
            Assert.Equal("sidecar", sa.LoadedFrom);
            await AssertExact(a, live, "from the sidecar");
        }
        File.Delete(b.Path + VectorSidecar.Suffix);
        var (c, sc) = await Open(b.Path, minRows: int.MaxValue, create: false);
        await using (c)
        {
            fromSqlite = await Answers(c);
            Assert.Equal("sqlite", sc.LoadedFrom);
        }
        Assert.Equal(fromSqlite, fromSidecar);   // same ids, same float scores, same order
    }

    [Fact]
    public async Task StaleSidecar_WriterStoppedAfterCommit_CaughtUpByRevision()
    {
        var data = TestRecords.Set();
        await using var b = await Built(data.Take(30).ToList());
        var live = data.Take(30).Where((_, i) => i != 3).ToDictionary(f => f.Key);
        var sidecarBefore = File.ReadAllBytes(b.Path + VectorSidecar.Suffix);
        // A writer that commits to SQLite and never writes the sidecar (as if killed right after each commit).
        var (w, _) = await Open(b.Path, minRows: int.MaxValue);
        await using (w)
        {
            await w.UpsertAsync(data.Skip(30).ToList());
            foreach (var f in data.Skip(30)) live[f.Key] = f;
            var gone = data.Where((_, i) => i % 4 == 1).Select(f => f.Key).ToList();
            await w.DeleteAsync(gone);
            foreach (var k in gone) live.Remove(k);
            var changed = live.Values.Where((f, i) => i % 3 == 0 && f.Decoder is not null)
                .Select(f => f with { Decoder = TestRecords.Gaussian(new Random(f.Record.Feature), TestRecords.DIn) }).ToList();
            await w.UpsertAsync(changed);
            foreach (var f in changed) live[f.Key] = f;
        }
        Assert.Equal(sidecarBefore, File.ReadAllBytes(b.Path + VectorSidecar.Suffix));   // still the old one
        var (r, sr) = await Open(b.Path, create: false);
        await using (r)
        {
            await AssertExact(r, live.Values, "from a stale sidecar");
            Assert.Equal("sidecar", sr.LoadedFrom);
            Assert.Equal(live.Count, await r.CountAsync());
        }
    }

    public static TheoryData<string> Damages => ["flip a vector byte", "flip a key byte", "flip the revision", "truncate", "append", "empty", "garbage"];

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task DamagedSidecar_NotUsed_ExactFromSqlite_ThenRewritten(string damage)
    {
        var data = TestRecords.Set();
        await using var b = await Built(data);
        var live = data.Where((_, i) => i != 3).ToList();
        string side = b.Path + VectorSidecar.Suffix;
        var bytes = File.ReadAllBytes(side);
        switch (damage)
        {
            case "flip a vector byte": bytes[^100] ^= 0x10; break;
            case "flip a key byte": bytes[100] ^= 0x01; break;
            case "flip the revision": bytes[24] ^= 0x01; break;      // header: revision at offset 24
            case "truncate": bytes = bytes[..(bytes.Length - 7)]; break;
            case "append": bytes = [.. bytes, 0, 0, 0, 0]; break;
            case "empty": bytes = []; break;
            case "garbage": bytes = System.Text.Encoding.ASCII.GetBytes("not a sidecar at all, just some text of a decent length to read past a header"); break;
        }
        File.WriteAllBytes(side, bytes);
        var (r, sr) = await Open(b.Path, create: false);
        await using (r)
        {
            await AssertExact(r, live, $"after '{damage}'");
            Assert.Equal("sqlite", sr.LoadedFrom);
        }
        var (again, sa) = await Open(b.Path, create: false);       // rewritten by the load above: used now
        await using (again)
        {
            await AssertExact(again, live, $"after '{damage}', rewritten");
            Assert.Equal("sidecar", sa.LoadedFrom);
        }
    }

    [Fact]
    public async Task SidecarOfAnotherFileAtThePath_NotUsed()
    {
        var data = TestRecords.Set();
        await using var b = await Built(data);
        var old = File.ReadAllBytes(b.Path + VectorSidecar.Suffix);
        SqliteConnection.ClearAllPools();
        foreach (var f in Directory.GetFiles(Path.GetDirectoryName(b.Path)!)) File.Delete(f);
        // A new index at the same path, written in the same number of transactions (same revision), other vectors.
        var other = TestRecords.Set(seed: 99);
        var (w, _) = await Open(b.Path, minRows: int.MaxValue);
        await using (w)
        {
            await w.UpsertAsync(other);
            await w.DeleteAsync([other[3].Key]);
        }
        File.WriteAllBytes(b.Path + VectorSidecar.Suffix, old);
        var (r, sr) = await Open(b.Path, create: false);
        await using (r)
        {
            await AssertExact(r, other.Where((_, i) => i != 3).ToList(), "with another file's sidecar");
            Assert.Equal("sqlite", sr.LoadedFrom);
        }
    }

    [Fact]
    public async Task SidecarNewerThanTheFile_NotUsed()
    {
        var data = TestRecords.Set();
        await using var b = await Built(data.Take(20).ToList());
        string backup = b.Path + ".bak";
        SqliteConnection.ClearAllPools();
        File.Copy(b.Path, backup);                                  // the file at revision R (checkpointed by the writer)
        var before = File.ReadAllBytes(b.Path + VectorSidecar.Suffix);
        var (w, _) = await Open(b.Path);
        await using (w)
        {
            await w.SearchByTextAsync("anything");                     // loads the copy, so the writes go into it
            await w.UpsertAsync(data.Skip(20).ToList());               // and the sidecar moves on to R+1 at dispose
        }
        Assert.NotEqual(before, File.ReadAllBytes(b.Path + VectorSidecar.Suffix));
        SqliteConnection.ClearAllPools();
        File.Delete(b.Path + "-wal"); File.Delete(b.Path + "-shm");
        File.Copy(backup, b.Path, overwrite: true);                  // the file restored to revision R
        var (r, sr) = await Open(b.Path, create: false);
        await using (r)
        {
            await AssertExact(r, data.Take(20).Where((_, i) => i != 3).ToList(), "with a sidecar newer than the file");
            Assert.Equal("sqlite", sr.LoadedFrom);
        }
    }

    [Fact]
    public async Task AfterColdOpenFromSidecar_UpsertAndDelete_StayExact_AndNextOpenToo()
    {
        var data = TestRecords.Set();
        await using var b = await Built(data.Take(25).ToList());
        var live = data.Take(25).Where((_, i) => i != 3).ToDictionary(f => f.Key);
        var (ix, s) = await Open(b.Path);
        await using (ix)
        {
            await AssertExact(ix, live.Values, "opened from the sidecar");
            Assert.Equal("sidecar", s.LoadedFrom);
            await ix.UpsertAsync(data.Skip(25).ToList());
            foreach (var f in data.Skip(25)) live[f.Key] = f;
            var gone = live.Keys.Where((_, i) => i % 3 == 0).ToList();
            await ix.DeleteAsync(gone);
            foreach (var k in gone) live.Remove(k);
            await ix.DeleteAsync(new FeatureFilter { Layer = 2, MinScore = 0.5 });
            foreach (var k in live.Values.Where(f => f.Record.Sae.Layer == 2 && f.Record.Scores.Count > 0 && f.Record.Scores[0].Value >= 0.5).Select(f => f.Key).ToList())
                live.Remove(k);
            await AssertExact(ix, live.Values, "after writes on a sidecar-loaded copy");
        }
        var (again, sa) = await Open(b.Path, create: false);
        await using (again)
        {
            await AssertExact(again, live.Values, "reopened after those writes");
            Assert.Equal("sidecar", sa.LoadedFrom);
            Assert.Equal(live.Count, await again.CountAsync());
        }
    }
}
