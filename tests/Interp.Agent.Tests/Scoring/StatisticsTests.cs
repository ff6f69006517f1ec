// Pearson, AUC, percentiles and the bootstrap against hand-computed values (numpy's corrcoef and default percentile give
// the same numbers for these inputs); undefined cases are null or NaN, never a made-up number.
using Interp.Agent.Scoring;

namespace Interp.Agent.Tests.Scoring;

public sealed class StatisticsTests
{
    /// <summary>Sums of a few products in double: exact to well below this.</summary>
    private const double Tol = 1e-12;

    [Fact]
    public void Pearson_HandValues()
    {
        // x = 1,2,3,4 ; y = 2,4,5,9: mean 2.5 / 5; dx = -1.5,-.5,.5,1.5; dy = -3,-1,0,4; sxy = 4.5+.5+0+6 = 11; sxx = 5; syy = 26
        double expected = 11 / Math.Sqrt(5 * 26);
        Assert.True(Math.Abs(Statistics.Pearson([1, 2, 3, 4], [2, 4, 5, 9])!.Value - expected) < Tol);
        Assert.True(Math.Abs(Statistics.Pearson([1, 2, 3], [3, 2, 1])!.Value + 1) < Tol);
        Assert.Null(Statistics.Pearson([1, 1, 1], [1, 2, 3]));
        // a constant series whose mean does not round back to itself (1.42 × 3 / 3) is still constant: undefined, not ~1e-16
        Assert.Null(Statistics.Pearson([0, 1, 5, 2, 7, 3, 9], [1.4199999999999999, 1.4199999999999999, 1.4199999999999999, 1.4199999999999999, 1.4199999999999999, 1.4199999999999999, 1.4199999999999999]));
        Assert.Null(Statistics.Pearson([0, 0], [0, 0]));
        Assert.Null(Statistics.Pearson([1], [2]));
    }

    [Fact]
    public void Auc_HandValuesWithTies()
    {
        // pairs (pos, neg): (3,1) win, (3,2) win, (2,1) win, (2,2) tie → (3 + 0.5) / 4
        Assert.True(Math.Abs(Statistics.Auc([3, 2], [1, 2])!.Value - 0.875) < Tol);
        Assert.Equal(1.0, Statistics.Auc([5], [1, 2]));
        Assert.Equal(0.0, Statistics.Auc([0], [1, 2]));
        Assert.Equal(0.5, Statistics.Auc([1, 1], [1]));
        Assert.Null(Statistics.Auc([], [1]));
    }

    [Fact]
    public void Quantile_LinearInterpolationAsNumpy()
    {
        // numpy.percentile([1, 2, 3, 4], 25) = 1.75; 97.5 → 3.925
        Assert.True(Math.Abs(Statistics.Quantile([1, 2, 3, 4], 0.25) - 1.75) < Tol);
        Assert.True(Math.Abs(Statistics.Quantile([1, 2, 3, 4], 0.975) - 3.925) < Tol);
    }

    [Fact]
    public void Bootstrap_MeanOfData_IntervalAroundItAndReproducible()
    {
        double[] data = Enumerable.Range(0, 200).Select(i => Math.Sin(i) * 3 + 5).ToArray();
        double mean = data.Average();
        Func<Interp.Tensors.Rng, double?> stat = rng => Statistics.Resample(rng, data.Length).Average(i => data[i]);
        var a = Statistics.Bootstrap(stat, 42);
        Assert.Equal(a, Statistics.Bootstrap(stat, 42));
        Assert.True(a.Low < mean && mean < a.High, $"{a.Low} < {mean} < {a.High}");
        // the standard error of the mean is ~ 2.1/sqrt(200) = 0.15: a 95 % interval is about ±0.3 wide
        Assert.InRange(a.High - a.Low, 0.3, 0.9);
        Assert.NotEqual(a, Statistics.Bootstrap(stat, 43));
    }

    [Fact]
    public void Bootstrap_MostlyUndefined_NaNBounds()
    {
        var i = Statistics.Bootstrap(rng => rng.NextDouble() < 0.9 ? null : 1.0, 1);
        Assert.True(double.IsNaN(i.Low) && double.IsNaN(i.High));
        Assert.True(i.Valid < i.Resamples / 2);
    }

    [Fact]
    public void Classification_HandCounts()
    {
        bool[] truth = [true, true, true, false, false];
        bool[] pred = [true, false, true, true, false];
        var r = ClassificationMetrics.Compute(truth, pred, [0.9, 0.4, 0.8, 0.7, 0.1]);
        Assert.Equal((2, 1, 1, 1), (r.TruePositives, r.FalsePositives, r.TrueNegatives, r.FalseNegatives));
        Assert.True(Math.Abs(r.Accuracy - 0.6) < Tol);
        Assert.True(Math.Abs(r.BalancedAccuracy!.Value - (2.0 / 3 + 0.5) / 2) < Tol);
        Assert.True(Math.Abs(r.Precision!.Value - 2.0 / 3) < Tol);
        Assert.True(Math.Abs(r.Recall!.Value - 2.0 / 3) < Tol);
        Assert.True(Math.Abs(r.F1!.Value - 2.0 / 3) < Tol);
        // AUC: positives .9,.4,.8 vs negatives .7,.1 → wins: (.9,.7)(.9,.1)(.4,.1)(.8,.7)(.8,.1) = 5 of 6
        Assert.True(Math.Abs(r.Auc!.Value - 5.0 / 6) < Tol);
        Assert.Null(ClassificationMetrics.Compute(truth, pred).Auc);
        Assert.Null(ClassificationMetrics.Compute([true, true], [true, false]).BalancedAccuracy);
    }

    [Fact]
    public void ProbabilityOfOne_FromLogprobs()
    {
        Assert.True(Math.Abs(ClassificationMetrics.ProbabilityOfOne(Math.Log(0.6), Math.Log(0.2))!.Value - 0.75) < Tol);
        Assert.Equal(1.0, ClassificationMetrics.ProbabilityOfOne(Math.Log(0.3), null));
        Assert.Null(ClassificationMetrics.ProbabilityOfOne(null, null));
    }
}

public sealed class SimulationSumsTests
{
    /// <summary>Raw-sum Pearson against the two-pass one on values 0..10: agreement far below any score resolution.</summary>
    private const double Tol = 1e-9;

    [Fact]
    public void Sums_ResampledWindows_SamePearsonAsTheConcatenation()
    {
        var rng = new Interp.Tensors.Rng(3);
        var real = Enumerable.Range(0, 12).Select(_ => Enumerable.Range(0, 20).Select(_ => rng.NextDouble() < 0.2 ? rng.NextDouble() * 8 : 0).ToArray()).ToList();
        var pred = Enumerable.Range(0, 12).Select(_ => Enumerable.Range(0, 20).Select(_ => (double)rng.NextInt(11)).ToArray()).ToList();
        for (int trial = 0; trial < 20; trial++)
        {
            var pick = Statistics.Resample(rng, 12);
            var total = new SimulationScorer.Sums();
            foreach (var w in pick) total.Add(SimulationScorer.Sums.Of(real[w], pred[w]));
            var direct = SimulationScorer.Correlation(real, pred, pick);
            Assert.Equal(direct is null, total.Pearson() is null);
            if (direct is double d) Assert.True(Math.Abs(d - total.Pearson()!.Value) < Tol);
        }
        var flat = new SimulationScorer.Sums();
        flat.Add(SimulationScorer.Sums.Of([1, 2, 3], [4, 4, 4]));
        Assert.Null(flat.Pearson());
    }
}
