using Interp.Index.Records;

namespace Interp.Index.Tests.Records;

public class FeatureRecordJsonTests
{
    private static FeatureRecord Sample() => new()
    {
        Sae = new SaeIdentity("ab12", "english-small-resid2-topk", "blocks.2.hook_resid_post", 2, 256, 2048, "topk"),
        Model = new ModelIdentity("cd34", "english-small", "gpt2"),
        Feature = 17,
        Explanations = [new Explanation("the word \"the\" after a comma", "offline", null, null, null,
            [new ExampleRef(3, 10, 32, "explain", "top")])],
        Scores = [new Score("simulation", "offline_lexical", 0.61, 0.52, 0.70, 0,
            new Dictionary<string, double> { ["n"] = 640 }, [new ExampleRef(9, 0, 32, "score", "quantile")], null, null)],
        Stats = new FeatureStats(120, 100_000, 0.0012, 7.5, 2.25, [5, 3, 1]),
        Promoted = [new TokenEffect(262, " the", 1.5)],
        Failures = [new StageFailure("score:detection", "http_status", "HTTP 429 after 5 attempts", "{\"error\":{}}",
            DateTimeOffset.Parse("2026-12-03T00:00:00Z"))],
        Provenance = new Provenance("run-1", DateTimeOffset.Parse("2026-12-03T00:00:00Z"), "0.1"),
    };

    [Fact]
    public void Serialize_RoundTrip_Equal()
    {
        var json = FeatureRecordJson.Serialize(Sample());
        Assert.Contains("\"schema_version\":1", json);
        Assert.Contains("\"hook_name\":\"blocks.2.hook_resid_post\"", json);
        var back = FeatureRecordJson.Deserialize(json);
        Assert.Equal(json, FeatureRecordJson.Serialize(back));
        Assert.True(back.IsLabeled);
    }

    [Fact]
    public void Deserialize_OtherSchemaVersion_ClearError()
    {
        var json = FeatureRecordJson.Serialize(Sample()).Replace("\"schema_version\":1", "\"schema_version\":7");
        var e = Assert.Throws<InvalidDataException>(() => FeatureRecordJson.Deserialize(json));
        Assert.Contains("schema_version 7", e.Message);
    }

    [Fact]
    public void Deserialize_UnknownField_ClearError()
    {
        var json = FeatureRecordJson.Serialize(Sample()).Replace("\"feature\":17", "\"feature\":17,\"bogus\":1");
        Assert.Throws<InvalidDataException>(() => FeatureRecordJson.Deserialize(json));
    }
}
