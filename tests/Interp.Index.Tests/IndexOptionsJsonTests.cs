using System.Text.Json;

namespace Interp.Index.Tests;

public class IndexOptionsJsonTests
{
    private static IndexOptions Parse(string json) => IndexOptionsJson.Parse(JsonDocument.Parse(json).RootElement, "appsettings.json: Index");

    [Fact]
    public void Parse_Section_Values()
    {
        var o = Parse("""{ "Backend": "qdrant", "Embedded": { "Path": "x.db" }, "Qdrant": { "Url": "https://q.example:6334", "Collection": "feats", "ApiKeyEnv": "K" } }""");
        Assert.Equal("qdrant", o.Backend);
        Assert.Equal("x.db", o.Embedded.Path);
        Assert.Equal("https://q.example:6334", o.Qdrant.Url);
        Assert.Equal("K", o.Qdrant.ApiKeyEnv);
        Assert.Equal(3, o.Qdrant.MaxRetries);
    }

    [Fact]
    public void Parse_UnknownKey_NamesNearest()
    {
        var e = Assert.Throws<ArgumentException>(() => Parse("""{ "Qdrant": { "Ulr": "http://x:6334" } }"""));
        Assert.Contains("unknown key 'Ulr'", e.Message);
        Assert.Contains("did you mean 'Url'", e.Message);
        Assert.Contains("Index:Qdrant", e.Message);
    }

    [Fact]
    public void Parse_BadValues_ClearErrors()
    {
        Assert.Contains("embedded", Assert.Throws<ArgumentException>(() => Parse("""{ "Backend": "pgvector" }""")).Message);
        Assert.Contains("gRPC port", Assert.Throws<ArgumentException>(() => Parse("""{ "Qdrant": { "Url": "localhost" } }""")).Message);
        Assert.Contains("Collection", Assert.Throws<ArgumentException>(() => Parse("""{ "Qdrant": { "Collection": "a/b" } }""")).Message);
    }

    [Fact]
    public void FromAppSettings_RepositoryFile_HasIndexSection()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "../../../../../appsettings.json");
        var o = IndexOptionsJson.FromAppSettings(path);
        Assert.Equal("embedded", o.Backend);
        Assert.Equal("http://localhost:6334", o.Qdrant.Url);
    }
}

public class FeatureFilterJsonTests
{
    [Fact]
    public void Parse_SnakeCaseFields_Filter()
    {
        var f = FeatureFilterJson.Parse("""{"sae_name": "s", "layer": 2, "min_score": 0.5, "max_density": 0.01, "labeled": true, "run_id": "r"}""");
        Assert.Equal(new FeatureFilter { SaeName = "s", Layer = 2, MinScore = 0.5, MaxDensity = 0.01, Labeled = true, RunId = "r" }, f);
        Assert.Equal(FeatureFilter.None, FeatureFilterJson.Parse("{}"));
    }

    [Fact]
    public void Parse_UnknownFieldOrBadValue_ClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => FeatureFilterJson.Parse("""{"min_scor": 0.5}"""));
        Assert.Contains("unknown field 'min_scor'; did you mean 'min_score'", e.Message);
        Assert.Contains("wrong type", Assert.Throws<ArgumentException>(() => FeatureFilterJson.Parse("""{"layer": "two"}""")).Message);
        Assert.Contains("above max_score", Assert.Throws<ArgumentException>(() => FeatureFilterJson.Parse("""{"min_score": 0.9, "max_score": 0.1}""")).Message);
        Assert.Throws<ArgumentException>(() => FeatureFilterJson.Parse("""{"exclude": []}"""));
        Assert.Throws<ArgumentException>(() => FeatureFilterJson.Parse("[1]"));
    }
}
