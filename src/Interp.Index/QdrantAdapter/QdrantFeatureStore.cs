// The Qdrant store (Qdrant.Client 1.20, gRPC): one collection with named vectors `explanation` (embedder dimension,
// cosine) and `decoder` (d_in, cosine, on disk), payload indexes on the filter fields, collection metadata holding the
// schema and embedder. Checked on open, created on the first write (when d_in is known). The gRPC CallInvoker is the
// seam: null means a real channel to Index:Qdrant:Url; tests pass a stand-in.
using Grpc.Core;
using Grpc.Core.Interceptors;
using Interp.Index.Stores;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Qdrant.Client;
using Qdrant.Client.Grpc;
using F = Interp.Index.FeaturePayload.Fields;

namespace Interp.Index.QdrantAdapter;

public sealed class QdrantFeatureStore : IFeatureStore
{
    private const string Format = "interp-feature-index";
    private readonly QdrantIndexOptions _o;
    private readonly QdrantChannel? _channel;
    private readonly QdrantClient _client;
    private readonly QdrantCalls _calls;
    private readonly ILogger _log;
    private StoreSchema? _schema;
    private bool _exists;

    /// <param name="invoker">the gRPC seam; null opens a channel to <c>options.Url</c> (TLS for https, with the certificate
    /// thumbprint when given)</param>
    public QdrantFeatureStore(QdrantIndexOptions options, CallInvoker? invoker = null, ILogger<QdrantFeatureStore>? logger = null)
    {
        options.Validate();
        _o = options;
        _log = (ILogger?)logger ?? NullLogger.Instance;
        if (invoker is null)
        {
            _channel = QdrantChannel.ForAddress(options.Url, new ClientConfiguration { CertificateThumbprint = options.CertificateThumbprint });
            invoker = _channel.CreateCallInvoker();
        }
        string? key = options.ApiKeyEnv is { Length: > 0 } env ? Environment.GetEnvironmentVariable(env) : null;
        if (!string.IsNullOrEmpty(key)) invoker = invoker.Intercept(m => { m.Add("api-key", key); return m; });
        _client = new QdrantClient(new QdrantGrpcClient(invoker), TimeSpan.FromSeconds(options.TimeoutSeconds));
        _calls = new QdrantCalls(options, _log);
    }

    public string Backend => "qdrant";
    public string Location => $"{_o.Url} (collection '{_o.Collection}')";
    public int? DecoderDim { get; private set; }

    public async Task OpenAsync(StoreSchema schema, CancellationToken ct)
    {
        _schema = schema;
        _exists = await _calls.Idempotent("checking the collection", t => _client.CollectionExistsAsync(_o.Collection, t), ct);
        if (_exists) await CheckCollection(ct);
        _log.LogInformation("Opened Qdrant feature index {Location} (exists: {Exists}, decoder d_in {DecoderDim})", Location, _exists, DecoderDim);
    }

    public async Task<int?> GetDecoderDimAsync(CancellationToken ct)
    {
        await Exists(ct);
        return DecoderDim;
    }

    public async Task UpsertAsync(IReadOnlyList<StoredPoint> points, int decoderDim, CancellationToken ct)
    {
        if (points.Count == 0) return;
        if (!_exists) await CreateCollection(decoderDim, ct);
        if (DecoderDim != decoderDim)
            throw new FeatureIndexException($"{Location} holds SAEs with d_in {DecoderDim} but these records have d_in {decoderDim}; a collection holds " +
                "one d_in: index them into another collection (Index:Qdrant:Collection).");
        var structs = points.Select(QdrantPoints.ToPoint).ToList();
        var r = await _calls.Idempotent("upserting points", t => _client.UpsertAsync(_o.Collection, structs, wait: true, cancellationToken: t), ct);
        if (r.Status != UpdateStatus.Completed)
            throw new FeatureIndexException($"upserting points at {Location} ended with status {r.Status}; retry, the upsert is idempotent.");
    }

    public async Task<IReadOnlyList<(Guid Id, string RecordJson)>> GetAsync(IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0 || !await Exists(ct)) return [];
        var pids = ids.Select(g => new PointId { Uuid = FeaturePointId.Text(g) }).ToList();
        var got = await _calls.Idempotent("reading points", t => _client.RetrieveAsync(_o.Collection, pids, QdrantPoints.RecordOnly(),
            new WithVectorsSelector { Enable = false }, cancellationToken: t), ct);
        return got.Select(p => (QdrantPoints.Id(p.Id), QdrantPoints.Record(p.Payload, p.Id))).ToList();
    }

    public async Task<float[]?> GetVectorAsync(Guid id, VectorKind kind, CancellationToken ct)
    {
        if (!await Exists(ct)) return null;
        string name = QdrantPoints.VectorName(kind);
        var got = await _calls.Idempotent("reading a vector", t => _client.RetrieveAsync(_o.Collection, [new PointId { Uuid = FeaturePointId.Text(id) }],
            new WithPayloadSelector { Enable = false }, new WithVectorsSelector { Include = new VectorsSelector { Names = { name } } }, cancellationToken: t), ct);
        return got.Count == 0 ? null : QdrantPoints.Vector(got[0].Vectors, name);
    }

    public async Task DeleteAsync(IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0 || !await Exists(ct)) return;
        await _calls.Idempotent("deleting points", t => _client.DeleteAsync(_o.Collection, ids, wait: true, cancellationToken: t), ct);
    }

    public async Task DeleteAsync(FeatureFilter filter, CancellationToken ct)
    {
        if (!await Exists(ct)) return;
        var f = QdrantFilters.From(filter) ?? throw new ArgumentException("deleting by an empty filter is refused.");
        await _calls.Idempotent("deleting points by filter", t => _client.DeleteAsync(_o.Collection, f, wait: true, cancellationToken: t), ct);
    }

    public async Task<IReadOnlyList<StoreHit>> SearchAsync(VectorKind kind, float[] unitQuery, FeatureFilter filter, int limit, int offset, CancellationToken ct)
    {
        if (!await Exists(ct)) return [];
        var hits = await _calls.Idempotent("searching", t => _client.QueryAsync(_o.Collection, query: unitQuery, usingVector: QdrantPoints.VectorName(kind),
            filter: QdrantFilters.From(filter), limit: (ulong)limit, offset: (ulong)offset, payloadSelector: QdrantPoints.RecordOnly(),
            vectorsSelector: new WithVectorsSelector { Enable = false }, cancellationToken: t), ct);
        return hits.Select(h => new StoreHit(QdrantPoints.Id(h.Id), h.Score, QdrantPoints.Record(h.Payload, h.Id))).ToList();
    }

    public async Task<StorePage> ScrollAsync(FeatureFilter filter, int limit, Guid? from, CancellationToken ct)
    {
        if (!await Exists(ct)) return new StorePage([], null);
        var offset = from is { } g ? new PointId { Uuid = FeaturePointId.Text(g) } : null;
        var page = await _calls.Idempotent("listing points", t => _client.ScrollAsync(_o.Collection, QdrantFilters.From(filter), (uint)limit, offset,
            QdrantPoints.RecordOnly(), new WithVectorsSelector { Enable = false }, cancellationToken: t), ct);
        return new StorePage(page.Result.Select(p => (QdrantPoints.Id(p.Id), QdrantPoints.Record(p.Payload, p.Id))).ToList(),
            page.NextPageOffset is { } n ? QdrantPoints.Id(n) : null);
    }

    public async Task<long> CountAsync(FeatureFilter filter, CancellationToken ct)
    {
        if (!await Exists(ct)) return 0;
        return (long)await _calls.Idempotent("counting points", t => _client.CountAsync(_o.Collection, QdrantFilters.From(filter), exact: true, cancellationToken: t), ct);
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _channel?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Whether the collection exists now (another process may have created it since open).</summary>
    private async Task<bool> Exists(CancellationToken ct)
    {
        if (_exists) return true;
        _exists = await _calls.Idempotent("checking the collection", t => _client.CollectionExistsAsync(_o.Collection, t), ct);
        if (_exists) await CheckCollection(ct);
        return _exists;
    }

    /// <summary>Creating a collection is not idempotent (a second create fails), so it runs once; after a failure the
    /// collection is looked up again (that is idempotent) in case the first attempt did succeed.</summary>
    private async Task CreateCollection(int decoderDim, CancellationToken ct)
    {
        var s = _schema ?? throw new InvalidOperationException("OpenAsync first.");
        // The decoder vectors live on disk: `memory: cold` for servers that know it (1.20), and the deprecated `on_disk`
        // for those one minor version older (a server applies `memory` over `on_disk` when it has both).
#pragma warning disable CS0612
        var decoder = new VectorParams { Size = (ulong)decoderDim, Distance = Distance.Cosine, OnDisk = true, Memory = Memory.Cold };
#pragma warning restore CS0612
        var vectors = new VectorParamsMap
        {
            Map =
            {
                [QdrantPoints.ExplanationVector] = new VectorParams { Size = (ulong)s.EmbedderDim, Distance = Distance.Cosine },
                [QdrantPoints.DecoderVector] = decoder,
            },
        };
        var metadata = new Dictionary<string, Value>
        {
            ["format"] = Format, ["schema_version"] = s.SchemaVersion, ["record_schema_version"] = s.RecordSchemaVersion,
            ["embedder_model"] = s.EmbedderModel, ["embedder_dim"] = s.EmbedderDim,
        };
        try
        {
            await _calls.Once("creating the collection", async t => { await _client.CreateCollectionAsync(_o.Collection, vectors, metadata, cancellationToken: t); return true; }, ct);
        }
        catch (FeatureIndexException)
        {
            // Created after all (by that attempt or by another process)? Then check it like any existing collection.
            if (!await _calls.Idempotent("checking the collection", t => _client.CollectionExistsAsync(_o.Collection, t), ct)) throw;
        }
        _exists = true;
        await CheckCollection(ct);
        foreach (var (field, type) in PayloadIndexes)
            await _calls.Idempotent($"indexing payload field '{field}'", t => _client.CreatePayloadIndexAsync(_o.Collection, field, type, wait: true, cancellationToken: t), ct);
        _log.LogInformation("Created Qdrant collection {Location}: explanation {EmbedderDim}-d, decoder {DecoderDim}-d", Location, s.EmbedderDim, decoderDim);
    }

    private static readonly (string, PayloadSchemaType)[] PayloadIndexes =
    [
        (F.SaeId, PayloadSchemaType.Keyword), (F.SaeName, PayloadSchemaType.Keyword), (F.ModelId, PayloadSchemaType.Keyword),
        (F.ModelName, PayloadSchemaType.Keyword), (F.Hook, PayloadSchemaType.Keyword), (F.ScoreMethod, PayloadSchemaType.Keyword),
        (F.RunId, PayloadSchemaType.Keyword), (F.Layer, PayloadSchemaType.Integer), (F.Feature, PayloadSchemaType.Integer),
        (F.Score, PayloadSchemaType.Float), (F.Density, PayloadSchemaType.Float), (F.Labeled, PayloadSchemaType.Bool),
    ];

    /// <summary>Refuses a collection of another schema, embedder or layout, saying which and what to do.</summary>
    private async Task CheckCollection(CancellationToken ct)
    {
        var s = _schema!;
        var info = await _calls.Idempotent("reading the collection's configuration", t => _client.GetCollectionInfoAsync(_o.Collection, t), ct);
        var meta = info.Config?.Metadata;
        string Str(string k) => meta is not null && meta.TryGetValue(k, out var v) ? v.KindCase switch
        {
            Value.KindOneofCase.StringValue => v.StringValue,
            Value.KindOneofCase.IntegerValue => v.IntegerValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Value.KindOneofCase.DoubleValue => v.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => "?",
        } : "missing";
        string Fix(string what) => $"{Location} {what}; use another collection (Index:Qdrant:Collection) or delete this one and run `interp index` again.";
        if (Str("format") != Format)
            throw new FeatureIndexException(Fix("was not created by Interp (its metadata has no format 'interp-feature-index')"));
        string sv = Str("schema_version"), rv = Str("record_schema_version");
        if (sv != s.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) || rv != s.RecordSchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw new FeatureIndexException(Fix($"is a feature index of schema version {sv} (records v{rv}); this Interp reads version {s.SchemaVersion} (records v{s.RecordSchemaVersion})"));
        var map = info.Config?.Params?.VectorsConfig?.ParamsMap?.Map;
        if (map is null || !map.TryGetValue(QdrantPoints.ExplanationVector, out var ev) || !map.TryGetValue(QdrantPoints.DecoderVector, out var dv))
            throw new FeatureIndexException(Fix("lacks the named vectors 'explanation' and 'decoder'"));
        if (ev.Distance != Distance.Cosine || dv.Distance != Distance.Cosine)
            throw new FeatureIndexException(Fix($"compares vectors by {ev.Distance}/{dv.Distance}, not cosine"));
        string model = Str("embedder_model");
        if (model != s.EmbedderModel || (long)ev.Size != s.EmbedderDim)
            throw new FeatureIndexException($"{Location} was built with the embedder {model} ({ev.Size}-d) but this Interp embeds with " +
                $"{s.EmbedderModel} ({s.EmbedderDim}-d); configure the same embedder, or index into another collection (Index:Qdrant:Collection).");
        DecoderDim = (int)dv.Size;
    }
}
