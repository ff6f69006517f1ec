// The one contract every feature index obeys (embedded SQLite store, Qdrant): idempotent batch upserts of FeatureRecords
// keyed by SAE identity + feature index, get, delete, search by meaning (the explanation's embedding) and by direction
// (the decoder row, cosine), payload filters, pagination and count. Implementations: FeatureIndex over an IFeatureStore.
using Interp.Index.Records;

namespace Interp.Index;

/// <summary>Which named vector a search ranks by: the explanation's text embedding, or the feature's decoder direction
/// (its W_dec row, d_in wide). Both are compared by cosine.</summary>
public enum VectorKind { Explanation, Decoder }

/// <summary>A feature's identity in every index: the SAE's identity hash (SaeIdentity.Id) and the feature's index.</summary>
public readonly record struct FeatureKey(string SaeId, int Feature)
{
    /// <summary>The point id both stores use: a name-based UUID (version 5) of "sae_id/feature".</summary>
    public Guid PointId => FeaturePointId.For(SaeId, Feature);
    public override string ToString() => $"{SaeId}/{Feature}";
}

/// <summary>A record to index and, when known, its decoder direction (the SAE's W_dec row, d_in = Sae.DIn floats).
/// The explanation's embedding is computed by the index from the record's explanations.</summary>
public sealed record IndexedFeature(FeatureRecord Record, float[]? Decoder = null)
{
    public FeatureKey Key => new(Record.Sae.Id, Record.Feature);
}

/// <param name="Score">cosine similarity to the query, in [-1, 1]</param>
public sealed record FeatureHit(FeatureKey Key, float Score, FeatureRecord Record);

/// <param name="Next">the cursor of the next page (pass it back as <c>cursor</c>); null on the last page</param>
public sealed record FeaturePage(IReadOnlyList<FeatureRecord> Items, string? Next);

/// <param name="Backend">"embedded" or "qdrant"</param>
/// <param name="Location">the SQLite file, or the Qdrant URL and collection</param>
/// <param name="EmbedderModel">the text embedder's model id recorded in the index</param>
/// <param name="DecoderDim">the d_in of the SAEs indexed (one per index); null while the index is empty</param>
public sealed record IndexInfo(string Backend, string Location, int SchemaVersion, string EmbedderModel, int EmbedderDim, int? DecoderDim);

/// <param name="WithExplanation">points written with an explanation vector (labeled records)</param>
/// <param name="WithDecoder">points written with a decoder vector</param>
public sealed record UpsertSummary(int Upserted, int WithExplanation, int WithDecoder);

public interface IFeatureIndex : IAsyncDisposable
{
    IndexInfo Info { get; }

    /// <summary>Writes the records (and vectors) in batches; upserting the same keys again replaces them, never duplicates.
    /// Everything is validated before the first write (schema version, feature range, dimensions, NaN).
    /// <paramref name="progress"/> hears the number of points written so far after each batch.</summary>
    Task<UpsertSummary> UpsertAsync(IReadOnlyList<IndexedFeature> features, CancellationToken ct = default, IProgress<int>? progress = null);

    /// <summary>The stored records of <paramref name="keys"/> that exist, in the order asked.</summary>
    Task<IReadOnlyList<FeatureRecord>> GetAsync(IReadOnlyList<FeatureKey> keys, CancellationToken ct = default);

    /// <summary>The stored vector of one feature, or null when the feature or that vector is absent.</summary>
    Task<float[]?> GetVectorAsync(FeatureKey key, VectorKind kind, CancellationToken ct = default);

    Task DeleteAsync(IReadOnlyList<FeatureKey> keys, CancellationToken ct = default);

    Task DeleteAsync(FeatureFilter filter, CancellationToken ct = default);

    /// <summary>Features whose explanation means something close to <paramref name="text"/> (cosine of embeddings), best
    /// first; only labeled features take part. <paramref name="offset"/> skips that many hits (pagination).</summary>
    Task<IReadOnlyList<FeatureHit>> SearchByTextAsync(string text, FeatureFilter? filter = null, int top = 10, int offset = 0, CancellationToken ct = default);

    /// <summary>Features whose <paramref name="kind"/> vector is closest (cosine) to <paramref name="vector"/>, best first.</summary>
    Task<IReadOnlyList<FeatureHit>> SearchByVectorAsync(VectorKind kind, ReadOnlyMemory<float> vector, FeatureFilter? filter = null, int top = 10,
        int offset = 0, CancellationToken ct = default);

    /// <summary>Records matching <paramref name="filter"/> in point-id order, <paramref name="limit"/> at a time.</summary>
    Task<FeaturePage> ListAsync(FeatureFilter? filter = null, int limit = 100, string? cursor = null, CancellationToken ct = default);

    Task<long> CountAsync(FeatureFilter? filter = null, CancellationToken ct = default);

    /// <summary>The index's data revision: it changes whenever a point is written or deleted, by this process or another,
    /// so anything derived from the index (a rendered feature page) is current while the revision it was made at is.
    /// Null when the backend keeps no revision (Qdrant): then nothing derived may be cached.</summary>
    Task<long?> RevisionAsync(CancellationToken ct = default) => Task.FromResult<long?>(null);
}
