// The Qdrant adapter's own duties beyond the contract: retries only for idempotent calls, clear errors naming the server,
// the API key header, refusing collections it did not create, and what goes on the wire (vectors, payload indexes, filters).
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Interp.Index.QdrantAdapter;
using Interp.Index.Tests.Contract;
using Interp.Index.Tests.Support;
using Qdrant.Client;
using Qdrant.Client.Grpc;

namespace Interp.Index.Tests.QdrantAdapter;

public class QdrantFeatureStoreTests
{
    private static async Task<(StandInQdrantBackend Backend, IFeatureIndex Index)> Filled(QdrantIndexOptions? o = null)
    {
        var b = new StandInQdrantBackend { Options = o ?? new QdrantIndexOptions { Collection = "t", RetryDelayMs = 1 } };
        var index = await b.OpenAsync(new BagOfWordsEmbedder());
        await index.UpsertAsync(TestRecords.Set());
        return (b, index);
    }

    [Fact]
    public async Task Search_TwoUnavailableThenOk_RetriedAndAnswers()
    {
        var (b, index) = await Filled();
        await using var _ = index;
        int before = b.Server.CountCalls("qdrant.Points/Query");
        b.Server.Fail("qdrant.Points/Query", StatusCode.Unavailable, 2);
        var hits = await index.SearchByTextAsync("months", top: 3);
        Assert.Equal(3, hits.Count);
        Assert.Equal(before + 3, b.Server.CountCalls("qdrant.Points/Query"));
    }

    [Fact]
    public async Task Upsert_AlwaysUnavailable_ClearErrorAfterEveryAttempt()
    {
        var (b, index) = await Filled(new QdrantIndexOptions { Url = "http://qdrant.test:6334", Collection = "t", MaxRetries = 2, RetryDelayMs = 1 });
        await using var _ = index;
        int before = b.Server.CountCalls("qdrant.Points/Upsert");
        b.Server.Fail("qdrant.Points/Upsert", StatusCode.Unavailable, 10);
        var e = await Assert.ThrowsAsync<FeatureIndexException>(() => index.UpsertAsync([new IndexedFeature(TestRecords.Record(TestRecords.SaeA, 100, "x", 0.5))]));
        Assert.Contains("http://qdrant.test:6334", e.Message);
        Assert.Contains("after 3 attempts", e.Message);
        Assert.Contains("docker run -p 6333:6333 -p 6334:6334 qdrant/qdrant", e.Message);
        Assert.Equal(before + 3, b.Server.CountCalls("qdrant.Points/Upsert"));
    }

    [Fact]
    public async Task Search_InvalidArgument_NotRetried()
    {
        var (b, index) = await Filled();
        await using var _ = index;
        int before = b.Server.CountCalls("qdrant.Points/Query");
        b.Server.Fail("qdrant.Points/Query", StatusCode.InvalidArgument, 1);
        var e = await Assert.ThrowsAsync<FeatureIndexException>(() => index.SearchByTextAsync("months"));
        Assert.Contains("InvalidArgument", e.Message);
        Assert.Equal(before + 1, b.Server.CountCalls("qdrant.Points/Query"));
    }

    [Fact]
    public async Task CreateCollection_Unavailable_RunOnceThenLookedUp()
    {
        var b = new StandInQdrantBackend();
        await using var index = await b.OpenAsync(new BagOfWordsEmbedder());
        b.Server.Fail("qdrant.Collections/Create", StatusCode.Unavailable, 1);
        var e = await Assert.ThrowsAsync<FeatureIndexException>(() => index.UpsertAsync(TestRecords.Set()));
        Assert.Contains("creating the collection failed", e.Message);
        Assert.Equal(1, b.Server.CountCalls("qdrant.Collections/Create"));
        var calls = b.Server.Calls.ToList();
        Assert.Equal("qdrant.Collections/CollectionExists", calls[calls.IndexOf("qdrant.Collections/Create") + 1]);   // looked up, not created again
        Assert.Equal(0, b.Server.CountCalls("qdrant.Points/Upsert"));
        await index.UpsertAsync(TestRecords.Set());   // the next run creates it
        Assert.Equal(48, await index.CountAsync());
    }

    [Fact]
    public async Task Open_ServerUnreachable_RetriedThenErrorNamingUrl()
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0)) { l.Start(); port = ((IPEndPoint)l.LocalEndpoint).Port; }   // closed again: refused
        var o = new QdrantIndexOptions { Url = $"http://127.0.0.1:{port}", MaxRetries = 2, RetryDelayMs = 5, TimeoutSeconds = 5 };
        var e = await Assert.ThrowsAsync<FeatureIndexException>(() => FeatureIndex.OpenAsync(new QdrantFeatureStore(o), new BagOfWordsEmbedder()));
        Assert.Contains($"http://127.0.0.1:{port}", e.Message);
        Assert.Contains("Unavailable", e.Message);
        Assert.Contains("after 3 attempts", e.Message);
    }

    [Fact]
    public async Task ApiKey_FromNamedVariable_SentAsHeader()
    {
        string env = $"INTERP_TEST_QDRANT_KEY_{Guid.NewGuid():N}";
        var server = new StandInQdrant { RequiredApiKey = "s3cret" };
        var o = new QdrantIndexOptions { Collection = "k", ApiKeyEnv = env, RetryDelayMs = 1 };
        var e = await Assert.ThrowsAsync<FeatureIndexException>(() => FeatureIndex.OpenAsync(new QdrantFeatureStore(o, server), new BagOfWordsEmbedder()));
        Assert.Contains("Unauthenticated", e.Message);
        Assert.Contains(env, e.Message);
        Environment.SetEnvironmentVariable(env, "s3cret");
        try
        {
            await using var index = await FeatureIndex.OpenAsync(new QdrantFeatureStore(o, server), new BagOfWordsEmbedder());
            await index.UpsertAsync(TestRecords.Set());
            Assert.Equal(48, await index.CountAsync());
        }
        finally { Environment.SetEnvironmentVariable(env, null); }
    }

    [Fact]
    public async Task Open_CollectionNotMadeByInterp_ClearError()
    {
        var server = new StandInQdrant();
        using var raw = new QdrantClient(new QdrantGrpcClient(server));
        await raw.CreateCollectionAsync("other", new VectorParamsMap { Map = { ["explanation"] = new VectorParams { Size = 64, Distance = Distance.Cosine },
            ["decoder"] = new VectorParams { Size = 16, Distance = Distance.Cosine } } });
        var e = await Assert.ThrowsAsync<FeatureIndexException>(() => FeatureIndex.OpenAsync(
            new QdrantFeatureStore(new QdrantIndexOptions { Collection = "other" }, server), new BagOfWordsEmbedder()));
        Assert.Contains("was not created by Interp", e.Message);
        Assert.Contains("Index:Qdrant:Collection", e.Message);
    }

    [Fact]
    public async Task Open_OtherSchemaVersion_ClearErrorWithFix()
    {
        var server = new StandInQdrant();
        using var raw = new QdrantClient(new QdrantGrpcClient(server));
        await raw.CreateCollectionAsync("old", new VectorParamsMap { Map = { ["explanation"] = new VectorParams { Size = 64, Distance = Distance.Cosine },
            ["decoder"] = new VectorParams { Size = 16, Distance = Distance.Cosine } } },
            new Dictionary<string, Value> { ["format"] = "interp-feature-index", ["schema_version"] = 2, ["record_schema_version"] = 1,
                ["embedder_model"] = BagOfWordsEmbedder.DefaultModelId, ["embedder_dim"] = 64 });
        var e = await Assert.ThrowsAsync<FeatureIndexException>(() => FeatureIndex.OpenAsync(
            new QdrantFeatureStore(new QdrantIndexOptions { Collection = "old" }, server), new BagOfWordsEmbedder()));
        Assert.Contains("schema version 2", e.Message);
        Assert.Contains("run `interp index` again", e.Message);
    }

    [Fact]
    public async Task Wire_CollectionVectorsIndexesAndQuery_AsDocumented()
    {
        var (b, index) = await Filled();
        await using var _ = index;
        var create = (CreateCollection)b.Server.LastRequest["qdrant.Collections/Create"];
        var map = create.VectorsConfig.ParamsMap.Map;
        Assert.Equal(64UL, map["explanation"].Size);
        Assert.Equal(Distance.Cosine, map["explanation"].Distance);
        Assert.Equal(16UL, map["decoder"].Size);
#pragma warning disable CS0612
        Assert.True(map["decoder"].OnDisk);
#pragma warning restore CS0612
        Assert.Equal(Memory.Cold, map["decoder"].Memory);
        Assert.Equal(["embedder_dim", "embedder_model", "format", "record_schema_version", "schema_version"], create.Metadata.Keys.Order().ToArray());
        Assert.Equal(BagOfWordsEmbedder.DefaultModelId, create.Metadata["embedder_model"].StringValue);

        using var raw = new QdrantClient(new QdrantGrpcClient(b.Server));
        var info = await raw.GetCollectionInfoAsync("t");
        Assert.Equal(PayloadSchemaType.Keyword, info.PayloadSchema["sae_id"].DataType);
        Assert.Equal(PayloadSchemaType.Integer, info.PayloadSchema["layer"].DataType);
        Assert.Equal(PayloadSchemaType.Float, info.PayloadSchema["score"].DataType);
        Assert.Equal(PayloadSchemaType.Bool, info.PayloadSchema["labeled"].DataType);
        Assert.Equal(12, info.PayloadSchema.Count);

        await index.SearchByVectorAsync(VectorKind.Decoder, TestRecords.Gaussian(new Random(1), 16),
            new FeatureFilter { SaeId = "a0a0a0a0", Layer = 1, MinScore = 0.5, Labeled = true, Exclude = [new FeatureKey("a0a0a0a0", 1)] }, top: 3, offset: 2);
        var q = (QueryPoints)b.Server.LastRequest["qdrant.Points/Query"];
        Assert.Equal("decoder", q.Using);
        Assert.Equal(3UL, q.Limit);
        Assert.Equal(2UL, q.Offset);
        Assert.Equal(["record"], q.WithPayload.Include.Fields);
        Assert.False(q.WithVectors.Enable);
        Assert.Equal(["sae_id:keyword", "layer:integer", "labeled:boolean", "score:range"], q.Filter.Must.Select(c =>
            $"{c.Field.Key}:{(c.Field.Match is { } m ? m.MatchValueCase.ToString().ToLowerInvariant() : "range")}").ToArray());
        Assert.True(q.Filter.Must.Single(c => c.Field.Key == "score").Field.Range.HasGte);
        Assert.False(q.Filter.Must.Single(c => c.Field.Key == "score").Field.Range.HasLte);
        Assert.Equal(new FeatureKey("a0a0a0a0", 1).PointId.ToString("D"), q.Filter.MustNot.Single().HasId.HasId.Single().Uuid);
        var up = (UpsertPoints)b.Server.LastRequest["qdrant.Points/Upsert"];
        Assert.True(up.Wait);
    }
}
