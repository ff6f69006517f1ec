// IFeatureIndex over any IFeatureStore: validates records and vectors before anything is written, embeds explanations
// and text queries with the configured IEmbeddingGenerator (whose model id and dimension the store records and checks),
// batches upserts, and turns stored JSON back into FeatureRecords. Ranking and filtering are the store's. Query texts'
// unit embeddings are kept in a bounded LRU (FeatureIndexSettings.QueryCacheSize): a repeated search skips the embedder.
using Interp.Index.Caching;
using Interp.Index.Records;
using Interp.Index.Stores;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interp.Index;

public sealed class FeatureIndex : IFeatureIndex
{
    /// <summary>The layout of stored points (payload fields, vector names, id scheme); stores refuse other versions.</summary>
    public const int SchemaVersion = 1;

    private readonly IFeatureStore _store;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder;
    private readonly FeatureIndexSettings _settings;
    private readonly ILogger _log;
    private readonly string _embedderModel;
    private readonly int _embedderDim;
    private readonly BoundedLru<string, float[]>? _queries;   // query text → its unit embedding (never mutated once stored)

    private FeatureIndex(IFeatureStore store, IEmbeddingGenerator<string, Embedding<float>> embedder, string model, int dim,
        FeatureIndexSettings settings, ILogger log)
    {
        _store = store; _embedder = embedder; _embedderModel = model; _embedderDim = dim; _settings = settings; _log = log;
        if (settings.QueryCacheSize > 0) _queries = new BoundedLru<string, float[]>(settings.QueryCacheSize, comparer: StringComparer.Ordinal);
    }

    /// <summary>The query-embedding cache's counters (null when QueryCacheSize is 0), for logs and tests.</summary>
    public (long Hits, long Misses, int Count)? QueryCacheStats => _queries is { } q ? (q.Hits, q.Misses, q.Count) : null;

    /// <summary>Opens <paramref name="store"/> for <paramref name="embedder"/>: creates it, or checks that it was written by
    /// this schema version with the same embedder model and dimension. The index owns the store (disposes it).</summary>
    public static async Task<FeatureIndex> OpenAsync(IFeatureStore store, IEmbeddingGenerator<string, Embedding<float>> embedder,
        FeatureIndexSettings? settings = null, ILogger<FeatureIndex>? logger = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(embedder);
        settings ??= new FeatureIndexSettings();
        settings.Validate();
        var (model, dim) = await DescribeEmbedder(embedder, ct);
        await store.OpenAsync(new StoreSchema(SchemaVersion, FeatureRecord.CurrentSchemaVersion, model, dim), ct);
        return new FeatureIndex(store, embedder, model, dim, settings, (ILogger?)logger ?? NullLogger.Instance);
    }

    public IndexInfo Info => new(_store.Backend, _store.Location, SchemaVersion, _embedderModel, _embedderDim, _store.DecoderDim);

    public async Task<UpsertSummary> UpsertAsync(IReadOnlyList<IndexedFeature> features, CancellationToken ct = default, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        // Validate everything first; the same key twice in one call keeps the last.
        var last = new Dictionary<FeatureKey, int>();
        var units = new float[]?[features.Count];
        int? dIn = _store.DecoderDim ?? await _store.GetDecoderDimAsync(ct);
        for (int i = 0; i < features.Count; i++)
        {
            var f = features[i] ?? throw new ArgumentException($"features[{i}] is null.");
            int d = Check(f.Record, i);
            if (dIn is { } have && have != d)
                throw new FeatureIndexException(_store.DecoderDim is null
                    ? $"records of SAEs with d_in {have} and {d} in one upsert; an index holds one d_in: index them into separate indexes."
                    : $"the index at {_store.Location} holds SAEs with d_in {have} but {f.Key} has d_in {d}; an index holds one d_in: " +
                      "index it into another one (--index OTHER.db, or another Index:Qdrant:Collection).");
            dIn = d;
            units[i] = f.Decoder is null ? null : VectorChecks.Unit(f.Decoder, d, $"the decoder vector of {f.Key}");
            last[f.Key] = i;
        }
        var order = last.Values.Order().ToList();
        int withE = 0, withD = 0, written = 0;
        foreach (var idx in order.Chunk(_settings.UpsertBatch))
        {
            var batch = idx.Select(i => features[i]).ToArray();
            var labeled = batch.Where(f => f.Record.IsLabeled).ToList();
            var vectors = await EmbedAsync(labeled.Select(f => FeaturePayload.ExplanationText(f.Record)).ToList(), ct);
            var byKey = new Dictionary<FeatureKey, float[]>();
            for (int i = 0; i < labeled.Count; i++) byKey[labeled[i].Key] = VectorChecks.Unit(vectors[i].Span, _embedderDim, $"the explanation embedding of {labeled[i].Key}");
            var points = idx.Select(i => new StoredPoint(features[i].Key.PointId, FeaturePayload.From(features[i].Record),
                FeatureRecordJson.Serialize(features[i].Record), byKey.GetValueOrDefault(features[i].Key), units[i])).ToList();
            await _store.UpsertAsync(points, dIn!.Value, ct);
            withE += points.Count(p => p.Explanation is not null);
            withD += points.Count(p => p.Decoder is not null);
            written += points.Count;
            progress?.Report(written);
            _log.LogDebug("Upserted {Count} features into {Location}", points.Count, _store.Location);
        }
        return new UpsertSummary(order.Count, withE, withD);
    }

    public async Task<IReadOnlyList<FeatureRecord>> GetAsync(IReadOnlyList<FeatureKey> keys, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var found = (await _store.GetAsync(keys.Select(k => k.PointId).Distinct().ToList(), ct)).ToDictionary(x => x.Id, x => x.RecordJson);
        return keys.Where(k => found.ContainsKey(k.PointId)).Select(k => FeatureRecordJson.Deserialize(found[k.PointId])).ToList();
    }

    public Task<float[]?> GetVectorAsync(FeatureKey key, VectorKind kind, CancellationToken ct = default) =>
        _store.GetVectorAsync(key.PointId, kind, ct);

    public Task DeleteAsync(IReadOnlyList<FeatureKey> keys, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return _store.DeleteAsync(keys.Select(k => k.PointId).Distinct().ToList(), ct);
    }

    public Task DeleteAsync(FeatureFilter filter, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        filter.Validate();
        if (filter.IsEmpty) throw new ArgumentException("deleting by an empty filter would delete every feature; give at least one field " +
            "(delete the index file or collection to start over).");
        return _store.DeleteAsync(filter, ct);
    }

    public async Task<IReadOnlyList<FeatureHit>> SearchByTextAsync(string text, FeatureFilter? filter = null, int top = 10, int offset = 0,
        CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new ArgumentException("the search text is empty; say what the features should be about.");
        CheckPage(top, offset);
        return await Search(VectorKind.Explanation, await QueryVectorAsync(text, ct), filter, top, offset, ct);
    }

    public Task<long?> RevisionAsync(CancellationToken ct = default) => _store.RevisionAsync(ct);

    /// <summary>The unit embedding of a query text: from the LRU when this text was embedded before, else embedded now
    /// (and kept). The same text always gives the vector the embedder gave it the first time.</summary>
    private async Task<float[]> QueryVectorAsync(string text, CancellationToken ct)
    {
        if (_queries is { } q && q.TryGet(text, out var hit)) return hit;
        var v = await EmbedAsync([text], ct);
        var unit = VectorChecks.Unit(v[0].Span, _embedderDim, "the query's embedding");
        _queries?.Set(text, unit);
        return unit;
    }

    public async Task<IReadOnlyList<FeatureHit>> SearchByVectorAsync(VectorKind kind, ReadOnlyMemory<float> vector, FeatureFilter? filter = null,
        int top = 10, int offset = 0, CancellationToken ct = default)
    {
        CheckPage(top, offset);
        int? dim = kind == VectorKind.Explanation ? _embedderDim : _store.DecoderDim ?? await _store.GetDecoderDimAsync(ct);
        if (dim is null) return [];   // nothing indexed yet
        return await Search(kind, VectorChecks.Unit(vector.Span, dim.Value, $"the {kind.ToString().ToLowerInvariant()} query vector"), filter, top, offset, ct);
    }

    public async Task<FeaturePage> ListAsync(FeatureFilter? filter = null, int limit = 100, string? cursor = null, CancellationToken ct = default)
    {
        if (limit < 1 || limit > _settings.MaxResults) throw new ArgumentException($"limit {limit} must be between 1 and {_settings.MaxResults}.");
        filter ??= FeatureFilter.None;
        filter.Validate();
        Guid? from = null;
        if (cursor is not null)
            from = Guid.TryParseExact(cursor, "D", out var g) ? g
                : throw new ArgumentException($"cursor '{cursor}' is not a page cursor of this index; pass the 'next' of the previous page.");
        var page = await _store.ScrollAsync(filter, limit, from, ct);
        return new FeaturePage(page.Items.Select(x => FeatureRecordJson.Deserialize(x.RecordJson)).ToList(),
            page.Next is { } n ? FeaturePointId.Text(n) : null);
    }

    public Task<long> CountAsync(FeatureFilter? filter = null, CancellationToken ct = default)
    {
        filter ??= FeatureFilter.None;
        filter.Validate();
        return _store.CountAsync(filter, ct);
    }

    public ValueTask DisposeAsync() => _store.DisposeAsync();

    private async Task<IReadOnlyList<FeatureHit>> Search(VectorKind kind, float[] unit, FeatureFilter? filter, int top, int offset, CancellationToken ct)
    {
        filter ??= FeatureFilter.None;
        filter.Validate();
        var hits = await _store.SearchAsync(kind, unit, filter, top, offset, ct);
        return hits.Select(h =>
        {
            var r = FeatureRecordJson.Deserialize(h.RecordJson);
            return new FeatureHit(new FeatureKey(r.Sae.Id, r.Feature), h.Score, r);
        }).ToList();
    }

    private void CheckPage(int top, int offset)
    {
        if (top < 1) throw new ArgumentException($"top {top} must be at least 1.");
        if (offset < 0) throw new ArgumentException($"offset {offset} must not be negative.");
        if ((long)top + offset > _settings.MaxResults) throw new ArgumentException($"top + offset = {(long)top + offset} is above {_settings.MaxResults}; narrow the filter instead.");
    }

    /// <summary>Checks what a store could not: schema version, identity, feature range, finite numbers. Returns d_in.</summary>
    private static int Check(FeatureRecord r, int i)
    {
        string at = $"features[{i}]";
        if (r is null) throw new ArgumentException($"{at} has no record.");
        if (r.SchemaVersion != FeatureRecord.CurrentSchemaVersion)
            throw new ArgumentException($"{at} is a FeatureRecord of schema version {r.SchemaVersion}; this index stores version {FeatureRecord.CurrentSchemaVersion}. " +
                "Re-run the labeling run with this Interp to rewrite it.");
        if (r.Sae is null || string.IsNullOrWhiteSpace(r.Sae.Id)) throw new ArgumentException($"{at} has no SAE identity (sae.id).");
        if (r.Model is null || r.Provenance is null) throw new ArgumentException($"{at} ({r.Sae.Id}) lacks its model identity or provenance.");
        if (r.Sae.DIn < 1 || r.Sae.DSae < 1) throw new ArgumentException($"{at} ({r.Sae.Id}) has d_in {r.Sae.DIn} and d_sae {r.Sae.DSae}; both must be positive.");
        if (r.Feature < 0 || r.Feature >= r.Sae.DSae) throw new ArgumentException($"{at} is feature {r.Feature} of an SAE with d_sae {r.Sae.DSae} (0..{r.Sae.DSae - 1}).");
        var p = FeaturePayload.From(r);
        if (p.Score is { } s && !double.IsFinite(s)) throw new ArgumentException($"{at} ({r.Sae.Id}/{r.Feature}) has a non-finite headline score {s}; a failed score is a StageFailure, never a number.");
        if (p.Density is { } dd && !double.IsFinite(dd)) throw new ArgumentException($"{at} ({r.Sae.Id}/{r.Feature}) has a non-finite density {dd}.");
        return r.Sae.DIn;
    }

    private async Task<IReadOnlyList<ReadOnlyMemory<float>>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken ct)
    {
        var all = new List<ReadOnlyMemory<float>>(texts.Count);
        foreach (var chunk in texts.Chunk(_settings.EmbedBatch))   // never an empty batch: the MiniLM encoder throws on one
        {
            var e = await _embedder.GenerateAsync(chunk, cancellationToken: ct);
            if (e.Count != chunk.Length)
                throw new FeatureIndexException($"the embedder {_embedderModel} returned {e.Count} embeddings for {chunk.Length} texts.");
            all.AddRange(e.Select(x => x.Vector));
        }
        return all;
    }

    private static async Task<(string Model, int Dim)> DescribeEmbedder(IEmbeddingGenerator<string, Embedding<float>> embedder, CancellationToken ct)
    {
        var meta = embedder.GetService<EmbeddingGeneratorMetadata>();
        string model = meta?.DefaultModelId ?? throw new FeatureIndexException("the text embedder does not name its model " +
            "(EmbeddingGeneratorMetadata.DefaultModelId); the index records it to refuse a mismatch, so configure the model name.");
        if (meta.DefaultModelDimensions is { } d and > 0) return (model, d);
        var probe = await embedder.GenerateAsync(["dimension probe"], cancellationToken: ct);
        return probe.Count == 1 && probe[0].Vector.Length > 0 ? (model, probe[0].Vector.Length)
            : throw new FeatureIndexException($"the embedder {model} returned no vector for a probe text.");
    }
}
