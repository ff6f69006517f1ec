// Each metric formula against values computed by hand on 3 tokens × 2 dims (and 4 features), plus batch-split
// invariance and bad input. Explained variance is about the mean (SAELens once computed it about zero).
using Interp.Tensors;
using static Interp.Dictionaries.Tests.TestSupport;

namespace Interp.Dictionaries.Tests.Metrics;

public class MetricFormulaTests
{
    /// <summary>float64 accumulation of a few float32-exact inputs: only the last bits of the closed forms differ.</summary>
    private const double Tol = 1e-12;

    private static readonly double[] X = { 1, 2, 3, 4, 5, 0 }, XHat = { 1, 1, 2, 4, 5, 1 };
    private static readonly double[] Acts = { 0, 2, 0, 0, 1, 0, -3, 0, 0, 5, 0, 0 };   // [3, 4]: feature 3 never fires

    private static SaeStatsResult Hand(double dead = 0, double dense = 0.1)
    {
        var s = new SaeStats(2, 4);
        using var x = T(X, DType.F32, 3, 2);
        using var h = T(XHat, DType.F32, 3, 2);
        using var f = T(Acts, DType.F32, 3, 4);
        s.Add(x, h, f);
        return s.Result(dead, dense);
    }

    [Fact]
    public void Mse_ThreeTokens_IsMeanOverElements()
    {
        var r = Hand();
        // x - x̂ = [[0, 1], [1, 0], [0, -1]]: Σ = 3 over 6 elements, 3 tokens
        Assert.Equal(0.5, r.Mse, Tol);
        Assert.Equal(1.0, r.MseSumOverDIn, Tol);
        Assert.Equal(3, r.Tokens);
    }

    [Fact]
    public void ExplainedVariance_ThreeTokens_IsAboutTheMean()
    {
        // x̄ = [3, 2]; Σ‖x - x̄‖² = (4 + 0) + (0 + 4) + (4 + 4) = 16, so 1 - 3/16; about zero it would be 1 - 3/55
        Assert.Equal(1 - 3.0 / 16, Hand().ExplainedVariance, Tol);
    }

    [Fact]
    public void CosineAndNormRatio_ThreeTokens_AreMeansOfPerTokenValues()
    {
        var r = Hand();
        // x·x̂ = 3, 22, 25; ‖x‖ = √5, 5, 5; ‖x̂‖ = √2, √20, √26
        Assert.Equal((3 / Math.Sqrt(10) + 22 / (5 * Math.Sqrt(20)) + 25 / (5 * Math.Sqrt(26))) / 3, r.CosineSimilarity, Tol);
        Assert.Equal((Math.Sqrt(2.0 / 5) + Math.Sqrt(20) / 5 + Math.Sqrt(26) / 5) / 3, r.NormRatio, Tol);
    }

    [Fact]
    public void L0L1_ThreeTokens_CountNonzeroAndSumMagnitudes()
    {
        var r = Hand();
        Assert.Equal((1 + 2 + 1) / 3.0, r.L0, Tol);       // row nonzeros 1, 2, 1
        Assert.Equal((2 + 4 + 5) / 3.0, r.L1, Tol);       // |2|; |1| + |-3|; |5|
        Assert.Equal(new[] { 1 / 3.0, 2 / 3.0, 1 / 3.0, 0 }, r.FiringRates);
    }

    [Fact]
    public void DeadDense_Thresholds_CountFeaturesByFiringRate()
    {
        var r = Hand();
        Assert.Equal(0.25, r.DeadFraction, Tol);           // feature 3 never fires
        Assert.Equal(0.75, r.DenseFraction, Tol);          // rates 1/3, 2/3, 1/3 > 0.1
        var strict = Hand(dead: 1 / 3.0, dense: 0.5);
        Assert.Equal(0.75, strict.DeadFraction, Tol);      // 1/3, 1/3 and 0 are <= 1/3
        Assert.Equal(0.25, strict.DenseFraction, Tol);     // only 2/3 > 0.5
    }

    [Fact]
    public void Add_SplitIntoBatches_EqualsOneBatch()
    {
        var rng = new Rng(12);
        using var x = rng.Normal(new[] { 37, 5 }, 2, 3);
        using var h = rng.Normal(new[] { 37, 5 }, 2, 3);
        using var f0 = rng.Normal(new[] { 37, 7 });
        using var f = f0.Relu();
        var whole = new SaeStats(5, 7);
        whole.Add(x, h, f);
        var split = new SaeStats(5, 7);
        foreach (var (s, n) in new[] { (0, 1), (1, 16), (17, 20) })
        {
            using var a = x.Narrow(0, s, n); using var b = h.Narrow(0, s, n); using var c = f.Narrow(0, s, n);
            split.Add(a, b, c);
        }
        var (r1, r2) = (whole.Result(), split.Result());
        foreach (var (a, b, name) in new[] { (r1.Mse, r2.Mse, "mse"), (r1.ExplainedVariance, r2.ExplainedVariance, "ev"), (r1.CosineSimilarity, r2.CosineSimilarity, "cos"),
                     (r1.NormRatio, r2.NormRatio, "ratio"), (r1.L0, r2.L0, "l0"), (r1.L1, r2.L1, "l1") })
            Assert.True(Math.Abs(a - b) <= 1e-12 * Math.Max(1, Math.Abs(a)), $"{name}: {a} vs {b}");
        Assert.Equal(r1.FiringRates, r2.FiringRates);
    }

    [Fact]
    public void Stats_NoTokensOrBadShapes_Throw()
    {
        var s = new SaeStats(2, 4);
        Assert.Contains("no tokens", Assert.Throws<InvalidOperationException>(() => s.Result()).Message);
        using var x = Tensor.Zeros(3, 2);
        using var bad = Tensor.Zeros(3, 3);
        using var f = Tensor.Zeros(3, 4);
        using var f2 = Tensor.Zeros(2, 4);
        Assert.Throws<ArgumentException>(() => s.Add(x, bad, f));
        Assert.Throws<ArgumentException>(() => s.Add(x, x, f2));
    }

    [Fact]
    public void CeLossRecovered_HandValues()
    {
        Assert.Equal(0.75, DownstreamMetrics.CeLossRecovered(ceClean: 2, ceSae: 2.5, ceAblated: 4), Tol);   // (4 - 2.5) / (4 - 2)
        Assert.Equal(-0.5, DownstreamMetrics.CeLossRecovered(2, 5, 4), Tol);                              // worse than ablating
        Assert.True(double.IsNaN(DownstreamMetrics.CeLossRecovered(2, 2.5, 2)));
    }

    [Fact]
    public void KlSum_TwoPositions_MatchesHandComputation()
    {
        // position 0: p = softmax([0, ln 2, 0]) = [1/4, 1/2, 1/4], q = uniform: KL = ½ ln ¾ + ½ ln 3/2 = ½ ln 9/8
        // position 1: identical logits up to a constant: KL = 0
        using var p = T(new[] { 0, Math.Log(2), 0, 1, 2, 3 }, DType.F32, 2, 3);
        using var q = T(new double[] { 0, 0, 0, 11, 12, 13 }, DType.F32, 2, 3);
        var (sum, n) = DownstreamMetrics.KlSum(p, q);
        Assert.Equal(2, n);
        Assert.Equal(0.5 * Math.Log(9.0 / 8), sum, 1e-7);   // the logits pass through float32
        Assert.Equal(0.75, DownstreamMetrics.KlScore(klSae: 0.1, klAblated: 0.4), Tol);
    }
}
