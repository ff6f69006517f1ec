// Tuning of FeatureIndex that does not depend on the backend: batch sizes and the largest page a query may ask for.
namespace Interp.Index;

public sealed record FeatureIndexSettings
{
    /// <summary>Points per store write (one SQLite transaction, one Qdrant upsert call).</summary>
    public int UpsertBatch { get; init; } = 256;
    /// <summary>Explanations per embedder call.</summary>
    public int EmbedBatch { get; init; } = 64;
    /// <summary>The largest top + offset a search may ask for.</summary>
    public int MaxResults { get; init; } = 10_000;
    /// <summary>Query texts whose embeddings are kept (least recently used dropped first), so a repeated text search skips
    /// the embedder; 0 = none kept. A query embedding depends only on the text and the embedder, never on the data.</summary>
    public int QueryCacheSize { get; init; } = 4096;

    public void Validate()
    {
        if (UpsertBatch is < 1 or > 100_000) throw new ArgumentException($"UpsertBatch {UpsertBatch} must be between 1 and 100000.");
        if (EmbedBatch is < 1 or > 4096) throw new ArgumentException($"EmbedBatch {EmbedBatch} must be between 1 and 4096.");
        if (MaxResults is < 1 or > 1_000_000) throw new ArgumentException($"MaxResults {MaxResults} must be between 1 and 1000000.");
        if (QueryCacheSize is < 0 or > 1_000_000) throw new ArgumentException($"QueryCacheSize {QueryCacheSize} must be between 0 and 1000000.");
    }
}
