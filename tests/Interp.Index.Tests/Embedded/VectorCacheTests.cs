// Exact search over the in-memory matrices: with enough rows to split across cores, every query (with and without a
// filter) returns exactly the brute-force top k, ties to the lower id; removals move rows without losing any. The int8
// pre-scan is stressed with rows crowded around the query (many within its error bound of each other), exact duplicates
// (ties), dimensions that are not a multiple of the SIMD width, and filter bitmaps that must follow every write.
using Interp.Index.Embedded;
using Interp.Index.Tests.Support;

namespace Interp.Index.Tests.Embedded;

public class VectorCacheTests
{
    private static FeaturePayload Payload(int i) =>
        new("sae", "s", "m", "m", "h", i % 3, i, i % 4 == 0 ? null : i % 100 / 100.0, "simulation", null, i % 5 != 0, "run", "");

    [Fact]
    public void Search_ManyRowsParallel_EqualsBruteForce()
    {
        const int n = 20_000, dim = 8;
        var rng = new Random(12);
        var cache = new VectorCache(dim);
        var vecs = new float[n][];
        var ids = new string[n];
        for (int i = 0; i < n; i++)
        {
            vecs[i] = Contract.Oracle.Unit(TestRecords.Gaussian(rng, dim));
            ids[i] = FeaturePointId.Text(FeaturePointId.For("sae", i));
            cache.Put(i + 1, ids[i], Payload(i), i % 5 != 0 ? vecs[i] : [], vecs[i]);
        }
        foreach (int gone in new[] { 0, 17, 19_999, 5000 }) cache.Remove(gone + 1);
        var removed = new HashSet<int> { 0, 17, 19_999, 5000 };
        Func<FeaturePayload, bool> layer1 = p => p.Layer == 1 && p.Score >= 0.5;
        for (int t = 0; t < 5; t++)
        {
            var q = Contract.Oracle.Unit(TestRecords.Gaussian(rng, dim));
            foreach (var (kind, pass) in new (VectorKind, Func<FeaturePayload, bool>?)[] { (VectorKind.Decoder, null), (VectorKind.Explanation, null), (VectorKind.Decoder, layer1) })
            {
                var expected = Enumerable.Range(0, n).Where(i => !removed.Contains(i) && (kind == VectorKind.Decoder || i % 5 != 0) && (pass is null || pass(Payload(i))))
                    .Select(i => (Pk: (long)i + 1, Score: System.Numerics.Tensors.TensorPrimitives.Dot(q, vecs[i]), Id: ids[i]))
                    .OrderByDescending(x => x.Score).ThenBy(x => x.Id, StringComparer.Ordinal).Take(25).Select(x => x.Pk).ToList();
                var got = cache.Search(kind, q, pass, 25).Select(h => h.Pk).ToList();
                Assert.Equal(expected, got);
            }
        }
    }

    [Fact]
    public void Search_EqualScores_LowerIdFirst()
    {
        var cache = new VectorCache(2);
        float[] v = [1, 0];
        foreach (var (pk, id) in new[] { (1L, "c"), (2L, "a"), (3L, "b") }) cache.Put(pk, id, Payload(1), v, v);
        Assert.Equal(["a", "b", "c"], cache.Search(VectorKind.Explanation, v, (FeatureFilter?)null, 3).Select(h => h.Id).ToArray());
        Assert.Equal(["a", "b"], cache.Search(VectorKind.Explanation, v, (FeatureFilter?)null, 2).Select(h => h.Id).ToArray());
    }

    /// <summary>The exact top k by brute force: TensorPrimitives.Dot (the float32 score the store reports), then the id.</summary>
    private static List<long> Brute(float[][] vecs, string[] ids, Func<int, bool> live, float[] q, int k) =>
        Enumerable.Range(0, vecs.Length).Where(live)
            .Select(i => (Pk: (long)i + 1, Score: System.Numerics.Tensors.TensorPrimitives.Dot(q, vecs[i]), Id: ids[i]))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Id, StringComparer.Ordinal).Take(k).Select(x => x.Pk).ToList();

    [Theory]
    [InlineData(384)]
    [InlineData(100)]
    [InlineData(768)]
    public void Search_CrowdedRowsAndDuplicates_Int8PrescanStillExact(int dim)
    {
        const int n = 20_000;
        var rng = new Random(dim);
        var centre = Contract.Oracle.Unit(TestRecords.Gaussian(rng, dim));
        var cache = new VectorCache(dim);
        var vecs = new float[n][];
        var ids = new string[n];
        for (int i = 0; i < n; i++)
        {
            // A third are near-copies of the centre (cosines 0.97…1 of it, closer together than the int8 error bound),
            // every 10th row duplicates the one before it exactly (equal scores: the lower id must win), the rest random.
            vecs[i] = i % 10 == 9 ? vecs[i - 1]
                : i % 3 == 0 ? Contract.Oracle.Unit(centre.Zip(TestRecords.Gaussian(rng, dim), (c, g) => c + 0.01f * g).ToArray())
                : Contract.Oracle.Unit(TestRecords.Gaussian(rng, dim));
            ids[i] = FeaturePointId.Text(FeaturePointId.For("sae", i));
            cache.Put(i + 1, ids[i], Payload(i), vecs[i], vecs[i]);
        }
        var filter = new FeatureFilter { Layer = 1, MinScore = 0.3 };
        foreach (var q in new[] { centre, Contract.Oracle.Unit(centre.Zip(TestRecords.Gaussian(rng, dim), (c, g) => c + 0.02f * g).ToArray()),
                     Contract.Oracle.Unit(TestRecords.Gaussian(rng, dim)), vecs[9] })
            foreach (int k in new[] { 1, 10, 100 })
            {
                Assert.Equal(Brute(vecs, ids, _ => true, q, k), cache.Search(VectorKind.Decoder, q, (FeatureFilter?)null, k).Select(h => h.Pk).ToList());
                Assert.Equal(Brute(vecs, ids, i => filter.Matches(Payload(i)), q, k),
                    cache.Search(VectorKind.Explanation, q, filter, k).Select(h => h.Pk).ToList());
            }
    }

    [Fact]
    public void Search_ScoresAreTheExactFloat32Dot()
    {
        const int n = 5000, dim = 64;
        var rng = new Random(5);
        var cache = new VectorCache(dim);
        var vecs = Enumerable.Range(0, n).Select(_ => Contract.Oracle.Unit(TestRecords.Gaussian(rng, dim))).ToArray();
        for (int i = 0; i < n; i++) cache.Put(i + 1, FeaturePointId.Text(FeaturePointId.For("sae", i)), Payload(i), vecs[i], []);
        var q = Contract.Oracle.Unit(TestRecords.Gaussian(rng, dim));
        foreach (var (pk, _, score) in cache.Search(VectorKind.Explanation, q, (FeatureFilter?)null, 50))
            Assert.Equal(System.Numerics.Tensors.TensorPrimitives.Dot(q, vecs[pk - 1]), score);
        Assert.Empty(cache.Search(VectorKind.Decoder, q, (FeatureFilter?)null, 5));   // no decoder vectors at all
    }

    [Fact]
    public void Search_CachedFilterBitmap_FollowsPutsAndRemoves()
    {
        const int n = 12_000, dim = 32;
        var rng = new Random(77);
        var cache = new VectorCache(dim);
        var vecs = new float[n][];
        var ids = new string[n];
        var payloads = new FeaturePayload[n];
        var live = new bool[n];
        for (int i = 0; i < n; i++)
        {
            vecs[i] = Contract.Oracle.Unit(TestRecords.Gaussian(rng, dim));
            ids[i] = FeaturePointId.Text(FeaturePointId.For("sae", i));
            payloads[i] = Payload(i);
            live[i] = true;
            cache.Put(i + 1, ids[i], payloads[i], vecs[i], vecs[i]);
        }
        var filter = new FeatureFilter { Layer = 2 };
        var q = Contract.Oracle.Unit(TestRecords.Gaussian(rng, dim));
        void Check() => Assert.Equal(Brute(vecs, ids, i => live[i] && filter.Matches(payloads[i]), q, 20),
            cache.Search(VectorKind.Decoder, q, filter, 20).Select(h => h.Pk).ToList());
        Check();
        Check();   // served from the cached bitmap
        // The current winners leave the filter (payload replaced), then new rows enter it, then rows are removed.
        foreach (var pk in cache.Search(VectorKind.Decoder, q, filter, 5).Select(h => h.Pk))
        {
            int i = (int)pk - 1;
            payloads[i] = payloads[i] with { Layer = 0 };
            cache.Put(pk, ids[i], payloads[i], vecs[i], vecs[i]);
        }
        Check();
        for (int i = 0; i < 50; i++)
        {
            payloads[i] = payloads[i] with { Layer = 2 };
            vecs[i] = Contract.Oracle.Unit(q.Zip(TestRecords.Gaussian(rng, dim), (c, g) => c + 0.1f * g).ToArray());
            cache.Put(i + 1, ids[i], payloads[i], vecs[i], vecs[i]);
        }
        Check();
        for (int i = 0; i < 50; i += 3) { cache.Remove(i + 1); live[i] = false; }
        Check();
    }
}
