// Exact search over the in-memory matrices: with enough rows to split across cores, every query (with and without a
// filter) returns exactly the brute-force top k, ties to the lower id; removals move rows without losing any.
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
        Assert.Equal(["a", "b", "c"], cache.Search(VectorKind.Explanation, v, null, 3).Select(h => h.Id).ToArray());
        Assert.Equal(["a", "b"], cache.Search(VectorKind.Explanation, v, null, 2).Select(h => h.Id).ToArray());
    }
}
