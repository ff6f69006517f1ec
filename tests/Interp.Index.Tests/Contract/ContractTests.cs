// Runs the one contract suite (ContractCases) on every backend: the embedded store and the Qdrant adapter over the
// stand-in Qdrant, one test per case; a real Qdrant when QDRANT_URL is set (skipped with the reason otherwise).
namespace Interp.Index.Tests.Contract;

public class EmbeddedContractTests
{
    public static IEnumerable<object[]> Cases => ContractCases.Names;

    [Theory, MemberData(nameof(Cases))]
    public async Task Contract(string name)
    {
        await using var backend = new EmbeddedBackend();
        await ContractCases.All[name](backend);
    }
}

public class StandInQdrantContractTests
{
    public static IEnumerable<object[]> Cases => ContractCases.Names;

    [Theory, MemberData(nameof(Cases))]
    public async Task Contract(string name)
    {
        await using var backend = new StandInQdrantBackend();
        await ContractCases.All[name](backend);
    }
}

/// <summary>Skipped unless QDRANT_URL names a Qdrant gRPC endpoint (e.g. http://localhost:6334 after
/// `docker run -p 6333:6333 -p 6334:6334 qdrant/qdrant`); QDRANT_API_KEY is sent when set.</summary>
public sealed class QdrantFactAttribute : FactAttribute
{
    public QdrantFactAttribute()
    {
        if (RealQdrantBackend.Url is null)
            Skip = $"{RealQdrantBackend.UrlVariable} is not set: no Qdrant server to run the contract suite against " +
                "(start one with `docker run -p 6333:6333 -p 6334:6334 qdrant/qdrant` and set QDRANT_URL=http://localhost:6334).";
    }
}

public class RealQdrantContractTests
{
    [QdrantFact]
    public async Task Contract_EveryCase_RealQdrant()
    {
        var failures = new List<string>();
        foreach (var (name, run) in ContractCases.All)
        {
            await using var backend = new RealQdrantBackend();
            try { await run(backend); }
            catch (Exception e) { failures.Add($"{name}: {e.Message}"); }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}

public class SameAnswersTests
{
    [Fact]
    public async Task Search_SameQueries_EmbeddedAndStandInReturnSameIds()
    {
        await using var a = new EmbeddedBackend();
        await using var b = new StandInQdrantBackend();
        await using var ia = await a.OpenAsync(new Support.BagOfWordsEmbedder());
        await using var ib = await b.OpenAsync(new Support.BagOfWordsEmbedder());
        var data = Support.TestRecords.Set(seed: 3);
        await ia.UpsertAsync(data);
        await ib.UpsertAsync(data);
        var rng = new Random(9);
        int compared = 0;
        foreach (var (_, filter, _) in Oracle.Filters)
        {
            foreach (var q in new[] { "dates", "the word the", "speech in quotation marks" })
            {
                var x = await ia.SearchByTextAsync(q, filter, top: 6);
                var y = await ib.SearchByTextAsync(q, filter, top: 6);
                Assert.Equal(x.Select(h => h.Key), y.Select(h => h.Key));
                compared += x.Count;
            }
            var v = Support.TestRecords.Gaussian(rng, Support.TestRecords.DIn);
            var dx = await ia.SearchByVectorAsync(VectorKind.Decoder, v, filter, top: 6);
            var dy = await ib.SearchByVectorAsync(VectorKind.Decoder, v, filter, top: 6);
            Assert.Equal(dx.Select(h => h.Key), dy.Select(h => h.Key));
            Assert.Equal((await ia.ListAsync(filter, 100)).Items.Select(r => r.Feature), (await ib.ListAsync(filter, 100)).Items.Select(r => r.Feature));
            compared += dx.Count;
        }
        Assert.True(compared > 100, $"only {compared} hits compared");
    }
}
