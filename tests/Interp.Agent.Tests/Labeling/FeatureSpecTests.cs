// --features parsing: all, indices, ranges; out-of-range and malformed specs are errors that say what is allowed.
using Interp.Agent.Labeling;

namespace Interp.Agent.Tests.Labeling;

public sealed class FeatureSpecTests
{
    [Fact]
    public void Parse_RangesAndIndices_SortedDistinct() =>
        Assert.Equal([0, 1, 2, 5, 7, 8], FeatureSpec.Parse("7-8, 0-2,5,1", 10));

    [Fact]
    public void Parse_All_EveryFeature() => Assert.Equal(Enumerable.Range(0, 4), FeatureSpec.Parse("all", 4));

    [Theory]
    [InlineData("0-100", "outside this SAE's features 0..99")]
    [InlineData("100", "feature 100 is outside")]
    [InlineData("5-2", "runs backwards")]
    [InlineData("a-b", "not an index or a range")]
    [InlineData("-3", "not an index or a range")]
    [InlineData("", "--features is empty")]
    public void Parse_BadSpec_ClearError(string spec, string expected) =>
        Assert.Contains(expected, Assert.Throws<ArgumentException>(() => FeatureSpec.Parse(spec, 100)).Message);
}
