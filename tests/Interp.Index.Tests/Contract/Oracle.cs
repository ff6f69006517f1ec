// The expected answers of the contract suite, computed here by brute force in double precision from the test data (not
// through any store or FeatureFilter code): which features pass a filter, and their ranking by cosine.
using Interp.Index.Records;
using Interp.Index.Tests.Support;

namespace Interp.Index.Tests.Contract;

public static class Oracle
{
    // Stores rank in float32; a 16- or 64-d cosine in float32 differs from double by ~1e-7.
    public const double ScoreTolerance = 1e-5;

    public static List<(FeatureKey Key, double Score)> Rank(IEnumerable<IndexedFeature> data, VectorKind kind, float[] query,
        Func<FeatureRecord, bool> pass, int k)
    {
        var q = Unit(query);
        return data.Where(f => pass(f.Record))
            .Select(f => (f.Key, V: kind == VectorKind.Explanation
                ? f.Record.Explanations.Count > 0 ? BagOfWordsEmbedder.Embed(f.Record.Explanations[0].Text.Trim()) : null
                : f.Decoder))
            .Where(x => x.V is not null)
            .Select(x => (x.Key, Score: Dot(q, Unit(x.V!))))
            .OrderByDescending(x => x.Score).ThenBy(x => FeaturePointId.Text(x.Key.PointId), StringComparer.Ordinal)
            .Take(k).ToList();
    }

    /// <summary>Same hits as the oracle: identical ids in identical order when ties are broken by id, else the same scores
    /// position by position, every returned id's true score equal to what was returned, and every feature scoring clearly
    /// above the last hit present.</summary>
    public static void AssertRanking(List<(FeatureKey Key, double Score)> expected, IReadOnlyList<FeatureHit> actual, bool deterministicTies,
        IEnumerable<IndexedFeature> data, VectorKind kind, float[] query, Func<FeatureRecord, bool> pass, string what)
    {
        Assert.True(expected.Count == actual.Count, $"{what}: {actual.Count} hits, expected {expected.Count}");
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i].Score - actual[i].Score) <= ScoreTolerance, $"{what}: hit {i} scores {actual[i].Score}, expected {expected[i].Score}");
        if (deterministicTies)
        {
            Assert.Equal(expected.Select(e => e.Key).ToList(), actual.Select(a => a.Key).ToList());
            return;
        }
        var all = Rank(data, kind, query, pass, int.MaxValue).ToDictionary(x => x.Key, x => x.Score);
        foreach (var a in actual)
            Assert.True(all.TryGetValue(a.Key, out var s) && Math.Abs(s - a.Score) <= ScoreTolerance, $"{what}: {a.Key} should not be a hit or scores differently");
        double last = expected.Count > 0 ? expected[^1].Score : double.NegativeInfinity;
        foreach (var (key, score) in all.Where(x => x.Value > last + ScoreTolerance))
            Assert.True(actual.Any(a => a.Key == key), $"{what}: {key} (score {score}) is missing");
    }

    public static float[] Unit(float[] v)
    {
        double n = Math.Sqrt(v.Sum(x => (double)x * x));
        return v.Select(x => (float)(x / n)).ToArray();
    }

    private static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (double)a[i] * b[i];
        return s;
    }

    /// <summary>The filters the suite runs, each with the predicate it must mean, written out independently.</summary>
    public static IReadOnlyList<(string Name, FeatureFilter Filter, Func<FeatureRecord, bool> Pass)> Filters { get; } =
    [
        ("none", FeatureFilter.None, _ => true),
        ("sae_id", new FeatureFilter { SaeId = TestRecords.SaeA.Id }, r => r.Sae.Id == TestRecords.SaeA.Id),
        ("sae_name+min_score", new FeatureFilter { SaeName = "sae-b", MinScore = 0.4 }, r => r.Sae.Name == "sae-b" && r.Scores.Count > 0 && r.Scores[0].Value >= 0.4),
        ("layer", new FeatureFilter { Layer = 2 }, r => r.Sae.Layer == 2),
        ("hook", new FeatureFilter { Hook = "blocks.1.hook_resid_post" }, r => r.Sae.HookName == "blocks.1.hook_resid_post"),
        ("model", new FeatureFilter { ModelId = "m0", ModelName = "toy" }, r => r.Model.Id == "m0"),
        ("min_score", new FeatureFilter { MinScore = 0.5 }, r => r.Scores.Count > 0 && r.Scores[0].Value >= 0.5),
        ("score_range", new FeatureFilter { MinScore = 0.3, MaxScore = 0.7 }, r => r.Scores.Count > 0 && r.Scores[0].Value is >= 0.3 and <= 0.7),
        ("score_method", new FeatureFilter { ScoreMethod = "detection" }, r => r.Scores.Count > 0 && r.Scores[0].Method == "detection"),
        ("density_range", new FeatureFilter { MinDensity = 0.002, MaxDensity = 0.008 }, r => r.Stats is { Density: >= 0.002 and <= 0.008 }),
        ("labeled", new FeatureFilter { Labeled = true }, r => r.Explanations.Count > 0),
        ("unlabeled", new FeatureFilter { Labeled = false }, r => r.Explanations.Count == 0),
        ("run", new FeatureFilter { RunId = "run-2" }, r => r.Provenance.RunId == "run-2"),
        ("no_match", new FeatureFilter { SaeId = "nope" }, _ => false),
    ];
}
