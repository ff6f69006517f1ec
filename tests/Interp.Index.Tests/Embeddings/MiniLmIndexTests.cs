// The embedded index with the real offline embedder: a question in other words finds the feature whose explanation
// means it, and the index records MiniLM's model id and dimension.
using Interp.Index.Embedded;
using Interp.Index.Embeddings;
using Interp.Index.Tests.Contract;
using Interp.Index.Tests.Support;

namespace Interp.Index.Tests.Embeddings;

public class MiniLmIndexTests
{
    [Fact]
    public async Task SearchByText_Paraphrase_FindsMatchingExplanation()
    {
        await using var b = new EmbeddedBackend();
        await using var index = await FeatureIndex.OpenAsync(new EmbeddedFeatureStore(b.Path), new MiniLmEmbeddingGenerator());
        string[] explanations =
        [
            "names of months such as January and March", "closing parentheses in code", "the definite article 'the'",
            "numbers written as digits", "words about cooking and food", "past tense verbs ending in -ed",
            "quotation marks that open dialogue", "plural nouns", "place names of cities and countries",
        ];
        await index.UpsertAsync(explanations.Select((t, i) => new IndexedFeature(TestRecords.Record(TestRecords.SaeA, i, t, 0.5))).ToList());
        Assert.Equal("all-MiniLM-L6-v2", index.Info.EmbedderModel);
        Assert.Equal(384, index.Info.EmbedderDim);
        foreach (var (query, expected) in new[] { ("features about dates and the calendar", 0), ("recipes, meals and kitchens", 4), ("geography: towns and nations", 8) })
        {
            var hits = await index.SearchByTextAsync(query, top: 2);
            Assert.True(hits[0].Key.Feature == expected, $"'{query}' found {hits[0].Record.Explanations[0].Text} ({hits[0].Score:F3}) first");
            Assert.True(hits[0].Score > hits[1].Score + 0.05, $"'{query}': {hits[0].Score:F3} vs {hits[1].Score:F3}");
        }
    }
}
