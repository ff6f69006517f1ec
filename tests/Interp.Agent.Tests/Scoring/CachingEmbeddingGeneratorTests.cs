// The embedding memo: a text is embedded once, whether asked again later or at the same moment from another worker, and
// a failed embedding is not remembered.
using Interp.Agent.Scoring;
using Microsoft.Extensions.AI;

namespace Interp.Agent.Tests.Scoring;

public sealed class CachingEmbeddingGeneratorTests
{
    /// <summary>A stand-in embedder (not MiniLM) that counts the texts it embeds and can be held until released.</summary>
    private sealed class GatedEmbedder : IEmbeddingGenerator<string, Embedding<float>>
    {
        public readonly TaskCompletionSource Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Texts;
        public bool Fail;
        public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken ct = default)
        {
            var list = values.ToList();
            Interlocked.Add(ref Texts, list.Count);
            await Gate.Task;
            if (Fail) throw new InvalidOperationException("embedder down");
            return new GeneratedEmbeddings<Embedding<float>>(list.Select(v => new Embedding<float>(new[] { (float)v.Length, 1f })));
        }
        public object? GetService(Type serviceType, object? serviceKey = null) => null;
        public void Dispose() { }
    }

    [Fact]
    public async Task Generate_SameTextsConcurrently_EmbeddedOnce()
    {
        var inner = new GatedEmbedder();
        var memo = new CachingEmbeddingGenerator(inner);
        var a = memo.GenerateAsync(["x", "yy", "zzz"]);
        var b = memo.GenerateAsync(["zzz", "yy", "w"]);
        inner.Gate.SetResult();
        var ra = await a;
        var rb = await b;
        Assert.Equal(4, inner.Texts);
        Assert.Equal(3f, rb[0].Vector.Span[0]);
        Assert.Equal(2f, ra[1].Vector.Span[0]);
        await memo.GenerateAsync(["x", "w"]);
        Assert.Equal(4, inner.Texts);
        Assert.Equal(4, memo.Hits);
    }

    [Fact]
    public async Task Generate_InnerFails_ErrorSurfacesAndIsNotCached()
    {
        var inner = new GatedEmbedder { Fail = true };
        inner.Gate.SetResult();
        var memo = new CachingEmbeddingGenerator(inner);
        await Assert.ThrowsAsync<InvalidOperationException>(() => memo.GenerateAsync(["x"]));
        inner.Fail = false;
        Assert.Equal(1f, (await memo.GenerateAsync(["x"]))[0].Vector.Span[0]);
        Assert.Equal(2, inner.Texts);
    }
}
