// The toy-world ground truth end to end on a small slice of the shipped world: every planted concept gets its best
// feature and a verdict, and the offline labels of the word-category features list their category (most of them). The
// floors are what this slice gives today (500 + 500 documents, deterministic: category 2/10 named, 9/10 by the fires-on
// list alone, delimiters 2/2, relational 0/7); a labeler that got worse, or a broken one (no labels), fails them.
using Interp.Agent.Labeling.GroundTruth;

namespace Interp.Agent.Tests.Labeling.GroundTruth;

public sealed class ToyLabelCheckTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("interp-gt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Run_ToySmall_EveryConceptJudgedAndCategoriesMostlyNamed()
    {
        var r = await ToyLabelCheck.RunAsync(ToyCacheFixture.ModelDir, ToyCacheFixture.SaeDir, ToyCacheFixture.WorldDir, _dir,
            new ToyLabelOptions(MatchDocs: 500, CacheDocs: 500));
        Assert.Equal(19, r.Concepts.Count);
        Assert.Equal((10, 2, 7), (r.ByKind["category"].Total, r.ByKind["delimiter"].Total, r.ByKind["relational"].Total));
        Assert.All(r.Concepts.Where(c => c.Feature >= 0), c => Assert.True(c.Label is not null || c.Failure is not null));
        Assert.True(r.ByKindFiresOn["category"].Named >= 9, $"only {r.ByKindFiresOn["category"].Named}/10 category features list their category");
        Assert.True(r.ByKind["category"].Named >= 2, $"only {r.ByKind["category"].Named}/10 category features named (three of its words, none of another's)");
        Assert.Equal(2, r.ByKind["delimiter"].Named);    // the " and ( tokens
        Assert.Contains(r.Concepts, c => c.Concept == "category:weekday" && c.Verdict?.Named == true);
        Assert.Equal(0, r.ByKind["relational"].Named);   // a token list has no word for a relation
        Assert.True(File.Exists(r.RunStore));
    }
}
