// The naming rules on hand-written labels: three category words and none of another category's (whole offline label,
// and its "fires on" part alone), the category's name for free-text labels, delimiter tokens, relational words.
using Interp.Agent.Labeling.GroundTruth;

namespace Interp.Agent.Tests.Labeling.GroundTruth;

public sealed class ConceptNamingTests
{
    [Fact]
    public void Offline_ThreeAnimalsNoOthers_Named()
    {
        var v = ConceptNaming.Names("category:animal", "offline description: fires on \"cat\", \"Dog\", \"owl\", \"the\" (80% of activation); promotes \"is\"");
        Assert.True(v.Named);
        Assert.True(v.NamedFiresOn);
    }

    [Fact]
    public void Offline_TwoAnimals_NotNamed() =>
        Assert.False(ConceptNaming.Names("category:animal", "offline description: fires on \"cat\", \"dog\" (80% of activation)").Named);

    [Fact]
    public void Offline_OtherCategoryInPromotes_WholeLabelNoFiresOnYes()
    {
        var v = ConceptNaming.Names("category:colour", "offline description: fires on \"red\", \"blue\", \"pink\" (80% of activation); promotes \"cat\"");
        Assert.False(v.Named);
        Assert.True(v.NamedFiresOn);
        Assert.Contains("1 of other categories", v.Why);
    }

    [Fact]
    public void FreeText_CategoryNameOrWords()
    {
        Assert.True(ConceptNaming.Names("category:colour", "color adjectives").Named);
        Assert.True(ConceptNaming.Names("category:animal", "names of animals").Named);
        Assert.True(ConceptNaming.Names("category:city", "Paris, London, Rome").Named);
        Assert.False(ConceptNaming.Names("category:city", "Paris, London, Rome and Mary").Named);
        Assert.Null(ConceptNaming.Names("category:city", "cities").NamedFiresOn);
    }

    [Fact]
    public void Delimiters_AndRelations()
    {
        Assert.True(ConceptNaming.Names("in_bracket", "offline description: fires on \"(\" (90% of activation)").Named);
        Assert.False(ConceptNaming.Names("in_quote", "offline description: fires on \"(\" (90% of activation)").Named);
        Assert.True(ConceptNaming.Names("in_quote", "words inside quotation marks").Named);
        Assert.False(ConceptNaming.Names("ioi:IO", "offline description: fires on \"Mary\", \"John\" (90% of activation)").Named);
        Assert.True(ConceptNaming.Names("ioi:IO", "the indirect object of a giving sentence").Named);
        Assert.Equal(ConceptKinds.Relational, ConceptKinds.Of("successor_run"));
        Assert.Equal(ConceptKinds.Delimiter, ConceptKinds.Of("in_quote"));
        Assert.Equal(ConceptKinds.Category, ConceptKinds.Of("category:food"));
    }
}
