// Sampler on hand-written logits: greedy, top-k and top-p (nucleus) sets, the frequencies inside them,
// seeded reproducibility, masked tokens, and option validation.
namespace Interp.Models.Tests.Runtime;

public class SamplerTests
{
    /// <summary>4000 seeded draws: a frequency's standard error is below 0.008, so 0.04 is five of them.</summary>
    private const int Draws = 4000;
    private const double FreqTol = 0.04;

    private static int[] Counts(float[] logits, SamplingOptions o, int seed = 3)
    {
        var rng = new Random(seed);
        var c = new int[logits.Length];
        for (int i = 0; i < Draws; i++) c[Sampler.Pick(logits, o, rng)]++;
        return c;
    }

    [Fact]
    public void Pick_TemperatureZero_IsArgMaxFirstOnTies()
    {
        var o = new SamplingOptions { Temperature = 0 };
        Assert.Equal(2, Sampler.Pick(new[] { 0f, 1f, 3f, 2f }, o, new Random(0)));
        Assert.Equal(1, Sampler.Pick(new[] { 0f, 3f, 3f, 2f }, o, new Random(0)));
    }

    [Fact]
    public void Pick_TopK_NeverLeavesTheKBestAndKeepsTheirRatio()
    {
        var logits = new[] { 1f, 3f, 2f, 2.5f, -1f };
        var c = Counts(logits, new SamplingOptions { Temperature = 5, TopK = 2 });
        Assert.Equal(Draws, c[1] + c[3]);                         // only tokens 1 and 3 (logits 3 and 2.5)
        double p1 = 1 / (1 + Math.Exp(-(3 - 2.5) / 5.0));          // softmax(3/5, 2.5/5)[0]
        Assert.True(Math.Abs((double)c[1] / Draws - p1) <= FreqTol, $"token 1 drawn {c[1]}/{Draws}, expected p {p1:F3}");
    }

    [Theory]
    [InlineData(0.4, new[] { 2 })]
    [InlineData(0.75, new[] { 2, 0 })]
    [InlineData(0.85, new[] { 2, 0, 3 })]
    [InlineData(1.0, new[] { 2, 0, 3, 1 })]
    public void Pick_TopP_DrawsOnlyFromTheNucleusInProportion(double topP, int[] nucleus)
    {
        var probs = new[] { 0.3, 0.05, 0.5, 0.15 };                // sorted: 2 (0.5), 0 (0.3), 3 (0.15), 1 (0.05)
        var logits = probs.Select(p => (float)Math.Log(p)).ToArray();
        var c = Counts(logits, new SamplingOptions { TopP = topP });
        double mass = nucleus.Sum(i => probs[i]);
        for (int i = 0; i < probs.Length; i++)
        {
            double want = nucleus.Contains(i) ? probs[i] / mass : 0;
            if (want == 0) Assert.Equal(0, c[i]);
            else Assert.True(Math.Abs((double)c[i] / Draws - want) <= FreqTol, $"token {i}: {c[i]}/{Draws}, expected p {want:F3}");
        }
    }

    [Fact]
    public void Pick_TopKThenTopP_CutsWithinTheK()
    {
        // top-k 3 renormalises {0.5, 0.3, 0.15} to {0.526, 0.316, 0.158}; top-p 0.8 then keeps tokens 2 and 0 (0.842)
        var logits = new[] { 0.3, 0.05, 0.5, 0.15 }.Select(p => (float)Math.Log(p)).ToArray();
        var c = Counts(logits, new SamplingOptions { TopK = 3, TopP = 0.8 });
        Assert.Equal(Draws, c[2] + c[0]);
    }

    [Fact]
    public void Pick_SameSeed_SameDraws()
    {
        var logits = Enumerable.Range(0, 50).Select(i => (float)Math.Sin(i)).ToArray();
        var o = new SamplingOptions { Temperature = 0.7, TopK = 20, TopP = 0.9 };
        var r1 = new Random(42); var r2 = new Random(42); var r3 = new Random(43);
        var s1 = Enumerable.Range(0, 100).Select(_ => Sampler.Pick(logits, o, r1)).ToArray();
        var s2 = Enumerable.Range(0, 100).Select(_ => Sampler.Pick(logits, o, r2)).ToArray();
        var s3 = Enumerable.Range(0, 100).Select(_ => Sampler.Pick(logits, o, r3)).ToArray();
        Assert.Equal(s1, s2);
        Assert.NotEqual(s1, s3);
    }

    [Fact]
    public void Pick_MaskedLogits_NeverDrawn()
    {
        var logits = new[] { float.NegativeInfinity, 0f, float.NegativeInfinity, 0f };
        var c = Counts(logits, new SamplingOptions { Temperature = 2 });
        Assert.Equal(0, c[0] + c[2]);
        Assert.True(c[1] > 0 && c[3] > 0);
    }

    [Theory]
    [InlineData(-1, 0, 1.0, "Temperature")]
    [InlineData(1, -1, 1.0, "TopK")]
    [InlineData(1, 0, 0.0, "TopP")]
    [InlineData(1, 0, 1.5, "TopP")]
    public void Validate_BadOption_ThrowsNamingIt(double temperature, int topK, double topP, string what)
    {
        var e = Assert.Throws<ArgumentException>(() => new SamplingOptions { Temperature = temperature, TopK = topK, TopP = topP }.Validate());
        Assert.Contains(what, e.Message);
    }
}
