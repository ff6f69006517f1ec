// The stand-in Qdrant is the adapter's test oracle, so its semantics are checked here against what Qdrant documents
// (filtering: must / should / must_not, ranges, arrays, is_empty; cosine scoring; scroll paging; validation errors).
using Grpc.Core;
using Qdrant.Client;
using Qdrant.Client.Grpc;
using static Qdrant.Client.Grpc.Conditions;

namespace Interp.Index.Tests.QdrantAdapter;

public class StandInQdrantTests
{
    private static async Task<QdrantClient> Cities()
    {
        var client = new QdrantClient(new QdrantGrpcClient(new StandInQdrant()));
        await client.CreateCollectionAsync("c", new VectorParamsMap { Map = { ["v"] = new VectorParams { Size = 2, Distance = Distance.Cosine } } });
        // Qdrant's filtering documentation example: cities and colours.
        var rows = new (ulong Id, string City, string Color, long Count, string[]? Tags)[]
        {
            (1, "London", "green", 7, ["a"]), (2, "London", "red", 3, null), (3, "London", "blue", 12, ["a", "b"]),
            (4, "Berlin", "red", 1, []), (5, "Moscow", "green", 5, ["b"]), (6, "Moscow", "blue", 9, null),
        };
        await client.UpsertAsync("c", rows.Select(r =>
        {
            var p = new PointStruct { Id = r.Id, Vectors = new Dictionary<string, float[]> { ["v"] = [r.Id, 1] }, Payload = { ["city"] = r.City, ["color"] = r.Color, ["count"] = r.Count } };
            if (r.Tags is not null) p.Payload["tags"] = r.Tags;
            return p;
        }).ToList());
        return client;
    }

    private static ulong[] U(params ulong[] ids) => ids;

    private static async Task<ulong[]> Ids(QdrantClient c, Filter f) =>
        (await c.ScrollAsync("c", f, limit: 100)).Result.Select(p => p.Id.Num).ToArray();

    [Fact]
    public async Task Filter_MustShouldMustNot_AsQdrantDocuments()
    {
        using var c = await Cities();
        Assert.Equal(U(2UL), await Ids(c, MatchKeyword("city", "London") & MatchKeyword("color", "red")));
        Assert.Equal(U(1UL, 2UL, 3UL, 4UL), await Ids(c, MatchKeyword("city", "London") | MatchKeyword("color", "red")));
        Assert.Equal(U(5UL, 6UL), await Ids(c, !MatchKeyword("city", "London") & !MatchKeyword("city", "Berlin")));
        var mixed = new Filter { Must = { MatchKeyword("city", "London") }, MustNot = { MatchKeyword("color", "red") } };
        Assert.Equal(U(1UL, 3UL), await Ids(c, mixed));
    }

    [Fact]
    public async Task Filter_RangeArrayEmpty_AsQdrantDocuments()
    {
        using var c = await Cities();
        Assert.Equal(U(1UL, 5UL, 6UL), await Ids(c, Conditions.Range("count", new Qdrant.Client.Grpc.Range { Gte = 5, Lte = 10 })));
        Assert.Equal(U(3UL, 6UL), await Ids(c, Conditions.Range("count", new Qdrant.Client.Grpc.Range { Gt = 7 })));
        Assert.Equal(U(3UL, 5UL), await Ids(c, MatchKeyword("tags", "b")));           // an array matches when any element does
        Assert.Equal(U(2UL, 4UL, 6UL), await Ids(c, IsEmpty("tags")));                // missing or []
        Assert.Empty(await Ids(c, Conditions.Range("missing", new Qdrant.Client.Grpc.Range { Gte = 0 })));
        Assert.Equal(U(1UL, 3UL), await Ids(c, HasId([1UL, 3UL])));
    }

    [Fact]
    public async Task Query_Cosine_NormalisedScores()
    {
        using var c = await Cities();
        var hits = await c.QueryAsync("c", query: new float[] { 3, 4 }, usingVector: "v", limit: 2);
        // stored [id, 1] normalised; query [3, 4] / 5: id 1 → (3+4)/(5·√2) = 0.98995
        Assert.Equal(1UL, hits[0].Id.Num);
        Assert.True(Math.Abs(hits[0].Score - 0.98995) < 1e-4, $"{hits[0].Score}");
        var e = await Assert.ThrowsAsync<RpcException>(() => c.QueryAsync("c", query: new float[] { 1, 2, 3 }, usingVector: "v"));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    [Fact]
    public async Task Scroll_Offset_InclusiveAndNextPage()
    {
        using var c = await Cities();
        var p1 = await c.ScrollAsync("c", limit: 4);
        Assert.Equal([1UL, 2UL, 3UL, 4UL], p1.Result.Select(p => p.Id.Num));
        Assert.Equal(5UL, p1.NextPageOffset.Num);
        var p2 = await c.ScrollAsync("c", limit: 4, offset: p1.NextPageOffset);
        Assert.Equal([5UL, 6UL], p2.Result.Select(p => p.Id.Num));
        Assert.Null(p2.NextPageOffset);
    }

    [Fact]
    public async Task Upsert_UnknownVectorOrWrongSize_InvalidArgumentNothingStored()
    {
        using var c = await Cities();
        var e = await Assert.ThrowsAsync<RpcException>(() => c.UpsertAsync("c", [
            new PointStruct { Id = 10UL, Vectors = new Dictionary<string, float[]> { ["v"] = [1, 1] } },
            new PointStruct { Id = 11UL, Vectors = new Dictionary<string, float[]> { ["v"] = [1, 1, 1] } }]));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(6UL, await c.CountAsync("c"));
        var missing = await Assert.ThrowsAsync<RpcException>(() => c.CountAsync("nope"));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }
}
