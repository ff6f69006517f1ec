// Builds the configured index: the embedded SQLite store or the Qdrant adapter, under FeatureIndex, for a given text
// embedder. What the CLI, the service and the tool layer call; the embedder comes from the caller (MiniLM offline by
// default, or the LLM layer's `embeddings` role).
using Grpc.Core;
using Interp.Index.Embedded;
using Interp.Index.QdrantAdapter;
using Interp.Index.Stores;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Interp.Index;

public static class FeatureIndexFactory
{
    /// <param name="create">create the embedded file when absent (indexing); false for search, which needs an index</param>
    /// <param name="qdrantInvoker">the gRPC seam for the Qdrant backend; null = a real channel to Index:Qdrant:Url</param>
    public static IFeatureStore CreateStore(IndexOptions options, bool create, ILoggerFactory? loggers = null, CallInvoker? qdrantInvoker = null)
    {
        options.Validate();
        return options.Backend == IndexOptions.BackendQdrant
            ? new QdrantFeatureStore(options.Qdrant, qdrantInvoker, loggers?.CreateLogger<QdrantFeatureStore>())
            : new EmbeddedFeatureStore(options.Embedded.Path, create, loggers?.CreateLogger<EmbeddedFeatureStore>());
    }

    public static async Task<IFeatureIndex> OpenAsync(IndexOptions options, IEmbeddingGenerator<string, Embedding<float>> embedder, bool create = true,
        ILoggerFactory? loggers = null, CallInvoker? qdrantInvoker = null, CancellationToken ct = default)
    {
        var store = CreateStore(options, create, loggers, qdrantInvoker);
        try
        {
            return await FeatureIndex.OpenAsync(store, embedder, new FeatureIndexSettings { UpsertBatch = options.UpsertBatch },
                loggers?.CreateLogger<FeatureIndex>(), ct);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }
}
