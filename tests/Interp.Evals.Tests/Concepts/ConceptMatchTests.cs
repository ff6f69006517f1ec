using Interp.Evals.Concepts;
using Interp.Evals.ToyWorld;

namespace Interp.Evals.Tests.Concepts;

public class ConceptMatchTests
{
    private static TokenLabel L(string? cat, bool quote = false) => new(cat, quote, 0, false, false, IoiRole.None, -1, 0);

    [Fact]
    public void Score_HandExample_PicksTheUnitAndThresholdWithBestF1()
    {
        // 6 tokens; concept "animal" holds on tokens 0, 2, 4.
        var labels = new[] { L("animal"), L(null), L("animal"), L(null), L("animal"), L("colour") };
        // unit 0 fires on 0, 2 (strongly) and 3 (weakly): at threshold 0 → tp 2, fired 3; at 0.25·max → tp 2, fired 2 (P 1, R 2/3, F1 0.8)
        // unit 1 fires on every token: tp 3, fired 6 → P 0.5, R 1, F1 2/3
        var acts = new float[]
        {
            4, 1,
            0, 1,
            4, 1,
            0.5f, 1,
            0, 1,
            0, 1,
        };
        var concepts = new[] { new Concept("animal", l => l.Category == "animal"), new Concept("quote", l => l.InQuote) };
        var s = ConceptMatch.Score(new[] { (labels, acts) }, 2, concepts);
        Assert.Equal(0, s[0].BestUnit);
        Assert.Equal(3, s[0].Positives);
        Assert.Equal(0.8, s[0].F1, 9);
        Assert.Equal(1.0, s[0].Precision, 9);
        Assert.Equal(1.0, s[0].Threshold, 9);   // 0.25 · max 4
        Assert.Equal(0, s[1].F1);               // no positives: no match
        Assert.Equal(-1, s[1].BestUnit);
    }
}
