// Fixed-seed FeatureRecords for index tests: two SAEs (d_in 16) on two layers, labeled and unlabeled features, scores of
// two methods and none, densities and none, two runs; decoder directions from a seeded Gaussian (some features without).
using Interp.Index.Records;

namespace Interp.Index.Tests.Support;

public static class TestRecords
{
    public const int DIn = 16, DSae = 128;
    public static readonly SaeIdentity SaeA = new("a0a0a0a0", "sae-a", "blocks.1.hook_resid_post", 1, DIn, DSae, "topk");
    public static readonly SaeIdentity SaeB = new("b1b1b1b1", "sae-b", "blocks.2.hook_resid_post", 2, DIn, DSae, "topk");
    public static readonly ModelIdentity Model = new("m0", "toy", "gpt2");

    private static readonly string[] Topics =
    [
        "dates and months of the year", "numbers in a list", "the word the after a comma", "closing brackets and parentheses",
        "names of people in stories", "verbs in the past tense", "colours such as red and blue", "questions ending with a mark",
        "plural nouns ending in s", "quotation marks around speech", "capital letters starting a sentence", "animals like cats and dogs",
    ];

    private static readonly string[] Adverbs = ["mostly", "often", "sometimes", "rarely"];

    public static FeatureRecord Record(SaeIdentity sae, int feature, string? explanation, double? score, string method = "simulation",
        double? density = null, string run = "run-1") => new()
    {
        Sae = sae, Model = Model, Feature = feature,
        Explanations = explanation is null ? [] : [new Explanation(explanation, "offline", null, null, null, [new ExampleRef(1, 0, 8, "explain", "top")])],
        Scores = score is null ? [] : [new Score(method, "offline_lexical", score.Value, score.Value - 0.1, score.Value + 0.1, 0,
            new Dictionary<string, double> { ["n"] = 40 }, [], null, null)],
        Stats = density is null ? null : new FeatureStats(10, 1000, density.Value, 3.0, 1.0, [1, 2]),
        Provenance = new Provenance(run, DateTimeOffset.Parse("2026-12-01T00:00:00Z"), "test"),
    };

    /// <summary>48 features: 24 per SAE; every 5th unlabeled, every 4th without a score, every 7th without a decoder.</summary>
    public static List<IndexedFeature> Set(int seed = 7)
    {
        var rng = new Random(seed);
        var list = new List<IndexedFeature>();
        for (int i = 0; i < 48; i++)
        {
            var sae = i % 2 == 0 ? SaeA : SaeB;
            int feature = i / 2 * 3 + 1;
            string? text = i % 5 == 4 ? null : $"{Topics[i % Topics.Length]} {Adverbs[i / Topics.Length]}";
            double? score = i % 4 == 3 ? null : Math.Round(0.05 + 0.9 * rng.NextDouble(), 3);
            double? density = i % 6 == 5 ? null : Math.Round(rng.NextDouble() * 0.01, 5);
            var rec = Record(sae, feature, text, score, i % 3 == 0 ? "detection" : "simulation", density, i < 30 ? "run-1" : "run-2");
            list.Add(new IndexedFeature(rec, i % 7 == 6 ? null : Gaussian(rng, DIn)));
        }
        return list;
    }

    public static float[] Gaussian(Random rng, int n)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        return v;
    }
}
