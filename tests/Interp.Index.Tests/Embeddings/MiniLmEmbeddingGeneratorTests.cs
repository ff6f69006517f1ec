using Interp.Index.Embeddings;
using Microsoft.Extensions.AI;

namespace Interp.Index.Tests.Embeddings;

public class MiniLmEmbeddingGeneratorTests
{
    // MiniLM normalises its output; float32 accumulation over 384 terms leaves ~1e-6.
    private const double NormTolerance = 1e-5;

    [Fact]
    public async Task Generate_RelatedSentences_CloserThanUnrelated()
    {
        using var gen = new MiniLmEmbeddingGenerator();
        var e = await gen.GenerateAsync(["The cat sat on the mat.", "A kitten is sitting on a rug.", "Quarterly revenue grew 4%."]);
        Assert.Equal(3, e.Count);
        foreach (var v in e)
        {
            Assert.Equal(MiniLmEmbeddingGenerator.Dimension, v.Vector.Length);
            double norm = Math.Sqrt(v.Vector.ToArray().Sum(x => (double)x * x));
            Assert.True(Math.Abs(norm - 1) < NormTolerance, $"norm {norm}");
        }
        double Cos(int a, int b) => e[a].Vector.ToArray().Zip(e[b].Vector.ToArray(), (x, y) => (double)x * y).Sum();
        Assert.True(Cos(0, 1) > Cos(0, 2) + 0.3, $"cat~kitten {Cos(0, 1)}, cat~revenue {Cos(0, 2)}");
    }

    [Fact]
    public async Task Generate_Empty_ReturnsEmpty()
    {
        using var gen = new MiniLmEmbeddingGenerator();
        Assert.Empty(await gen.GenerateAsync(Array.Empty<string>()));
        Assert.Equal(MiniLmEmbeddingGenerator.Dimension, gen.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelDimensions);
    }
}
