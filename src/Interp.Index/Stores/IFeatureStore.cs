// The storage seam under FeatureIndex: points (id, payload, record JSON, unit vectors) in and out, exact or ANN ranking,
// filters, paging. A store knows nothing of embedders or FeatureRecord validation (FeatureIndex does both); it does keep
// the schema (index version, embedder model and dimension, decoder dimension) and refuses a mismatch on open.
namespace Interp.Index.Stores;

/// <summary>What an index must have been written with: this Interp's index schema and the embedder in use.</summary>
public sealed record StoreSchema(int SchemaVersion, int RecordSchemaVersion, string EmbedderModel, int EmbedderDim);

/// <param name="Explanation">unit-length explanation embedding, or null (unlabeled)</param>
/// <param name="Decoder">unit-length decoder direction, or null (unknown)</param>
public sealed record StoredPoint(Guid Id, FeaturePayload Payload, string RecordJson, float[]? Explanation, float[]? Decoder);

public sealed record StoreHit(Guid Id, float Score, string RecordJson);

public sealed record StorePage(IReadOnlyList<(Guid Id, string RecordJson)> Items, Guid? Next);

public interface IFeatureStore : IAsyncDisposable
{
    string Backend { get; }
    /// <summary>Where the points live (a file path, or URL + collection), for messages.</summary>
    string Location { get; }
    /// <summary>The d_in of the indexed SAEs, fixed by the first write; null while nothing was written.</summary>
    int? DecoderDim { get; }

    /// <summary>DecoderDim looked up again (another process may have written the first points since this store opened).</summary>
    Task<int?> GetDecoderDimAsync(CancellationToken ct);

    /// <summary>Creates the store when absent (if allowed) or checks that it was written with <paramref name="schema"/>.</summary>
    /// <exception cref="FeatureIndexException">another schema or embedder, not an index, unreachable</exception>
    Task OpenAsync(StoreSchema schema, CancellationToken ct);

    /// <summary>One atomic batch. <paramref name="decoderDim"/> is the batch's d_in: it fixes DecoderDim on the first write
    /// and must equal it afterwards.</summary>
    Task UpsertAsync(IReadOnlyList<StoredPoint> points, int decoderDim, CancellationToken ct);

    Task<IReadOnlyList<(Guid Id, string RecordJson)>> GetAsync(IReadOnlyList<Guid> ids, CancellationToken ct);
    Task<float[]?> GetVectorAsync(Guid id, VectorKind kind, CancellationToken ct);
    Task DeleteAsync(IReadOnlyList<Guid> ids, CancellationToken ct);
    Task DeleteAsync(FeatureFilter filter, CancellationToken ct);

    /// <summary>The best (highest cosine, then lowest id) points having a <paramref name="kind"/> vector that pass the
    /// filter; <paramref name="unitQuery"/> has unit length.</summary>
    Task<IReadOnlyList<StoreHit>> SearchAsync(VectorKind kind, float[] unitQuery, FeatureFilter filter, int limit, int offset, CancellationToken ct);

    /// <summary>Points passing the filter in id order, from <paramref name="from"/> (inclusive) on.</summary>
    Task<StorePage> ScrollAsync(FeatureFilter filter, int limit, Guid? from, CancellationToken ct);

    Task<long> CountAsync(FeatureFilter filter, CancellationToken ct);

    /// <summary>A number that changes with every committed write or delete (by any process); null when the backend keeps
    /// none (Qdrant).</summary>
    Task<long?> RevisionAsync(CancellationToken ct) => Task.FromResult<long?>(null);
}
