// A TEST STAND-IN for a text embedder (not a language model): each lower-cased word adds ±1 to one of 64 dimensions
// chosen by a fixed hash, then the sum is normalised. Deterministic and cheap, so contract tests can compute the exact
// expected ranking themselves; texts sharing words are close. Real embeddings are tested with MiniLM separately.
using Microsoft.Extensions.AI;

namespace Interp.Index.Tests.Support;

public sealed class BagOfWordsEmbedder(string modelId = BagOfWordsEmbedder.DefaultModelId, int dimension = 64) : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string DefaultModelId = "test-bag-of-words";
    public int Calls;

    public static float[] Embed(string text, int dimension = 64)
    {
        var v = new float[dimension];
        foreach (var w in text.ToLowerInvariant().Split([' ', ',', ';', '.', '"', '\''], StringSplitOptions.RemoveEmptyEntries))
        {
            uint h = 2166136261;
            foreach (char c in w) h = (h ^ c) * 16777619;
            v[h % (uint)dimension] += (h >> 16 & 1) == 0 ? 1 : -1;
        }
        double n = Math.Sqrt(v.Sum(x => (double)x * x));
        if (n == 0) v[0] = 1; else for (int i = 0; i < v.Length; i++) v[i] = (float)(v[i] / n);
        return v;
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Calls);
        var texts = values.ToArray();
        if (texts.Length == 0) throw new InvalidOperationException("empty batch (the MiniLM encoder throws on one too)");
        return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(texts.Select(t => new Embedding<float>(Embed(t, dimension)) { ModelId = modelId })));
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("test", null, modelId, dimension) : null;

    public void Dispose() { }
}
