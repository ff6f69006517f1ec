// Streaming reconstruction and sparsity statistics of an SAE over tokens (rows): MSE and explained variance about the
// mean (ReconstructionStats), cosine(x, x̂), ‖x̂‖/‖x‖, L0, L1, firing rates and dead/dense fractions. Accumulated in
// float64, so the result does not depend on how the tokens were split into batches. Downstream (CE, KL) metrics are
// DownstreamMetrics.cs.
using Interp.Tensors;

namespace Interp.Dictionaries;

/// <param name="Mse">mean over tokens and d_in of (x - x̂)²</param>
/// <param name="MseSumOverDIn">mean over tokens of ‖x - x̂‖² (summed over d_in; the training loss's scale)</param>
/// <param name="ExplainedVariance">1 - Σ‖x - x̂‖² / Σ‖x - x̄‖², x̄ the mean input over tokens (not about zero)</param>
/// <param name="CosineSimilarity">mean over tokens of x·x̂ / max(‖x‖‖x̂‖, 1e-8)</param>
/// <param name="NormRatio">mean over tokens of ‖x̂‖ / max(‖x‖, 1e-8)</param>
/// <param name="L0">mean over tokens of the number of nonzero features</param>
/// <param name="L1">mean over tokens of Σ|f|</param>
/// <param name="DeadFraction">fraction of features whose firing rate is &lt;= DeadThreshold (default 0: never fired)</param>
/// <param name="DenseFraction">fraction of features whose firing rate is &gt; DenseThreshold</param>
/// <param name="FiringRates">per feature: fraction of tokens on which it is nonzero [d_sae]</param>
public sealed record SaeStatsResult(long Tokens, double Mse, double MseSumOverDIn, double ExplainedVariance, double CosineSimilarity,
    double NormRatio, double L0, double L1, double DeadFraction, double DenseFraction, double DeadThreshold, double DenseThreshold, double[] FiringRates);

public sealed class SaeStats
{
    /// <summary>Guards the cosine and norm ratio against zero-norm tokens (as torch's cosine_similarity eps).</summary>
    public const double NormEps = 1e-8;

    private readonly int _dIn, _dSae;
    private readonly ReconstructionStats _rec;   // MSE and explained variance
    private readonly long[] _fires;              // per feature: tokens on which it was nonzero
    private double _cos, _ratio, _l0, _l1;

    public SaeStats(int dIn, int dSae)
    {
        if (dIn <= 0 || dSae <= 0) throw new ArgumentOutOfRangeException(nameof(dIn), $"d_in and d_sae must be positive; got {dIn}, {dSae}.");
        _dIn = dIn; _dSae = dSae;
        _rec = new ReconstructionStats(dIn); _fires = new long[dSae];
    }

    public long Tokens => _rec.Tokens;

    /// <summary>Adds tokens: x and x̂ [.., d_in], feature activations [.., d_sae], with the same leading shape.</summary>
    public void Add(Tensor x, Tensor xhat, Tensor acts)
    {
        if (x.Rank == 0 || x.Shape[^1] != _dIn || !ShapeUtil.SameShape(x.Shape, xhat.Shape))
            throw new ArgumentException($"x [{ShapeUtil.Str(x.Shape)}] and x̂ [{ShapeUtil.Str(xhat.Shape)}] must both be [.., {_dIn}].");
        int rows = x.Numel / _dIn;
        if (acts.Rank == 0 || acts.Shape[^1] != _dSae || acts.Numel / _dSae != rows)
            throw new ArgumentException($"acts [{ShapeUtil.Str(acts.Shape)}] must be [.., {_dSae}] with the {rows} rows of x.");
        if (rows == 0) return;
        var xs = x.ToDoubleArray(); var hs = xhat.ToDoubleArray(); var fs = acts.ToDoubleArray();
        _rec.Add<double>(xs, hs);
        for (int r = 0; r < rows; r++)
        {
            double dot = 0, nx = 0, nh = 0;
            for (int i = 0; i < _dIn; i++)
            {
                double a = xs[r * _dIn + i], b = hs[r * _dIn + i];
                dot += a * b; nx += a * a; nh += b * b;
            }
            _cos += dot / Math.Max(Math.Sqrt(nx) * Math.Sqrt(nh), NormEps);
            _ratio += Math.Sqrt(nh) / Math.Max(Math.Sqrt(nx), NormEps);
            for (int j = 0; j < _dSae; j++)
            {
                double f = fs[r * _dSae + j];
                if (f != 0) { _l0++; _fires[j]++; }
                _l1 += Math.Abs(f);
            }
        }
    }

    /// <param name="deadThreshold">a feature is dead when its firing rate is &lt;= this (0: it never fired)</param>
    /// <param name="denseThreshold">a feature is dense when its firing rate is &gt; this</param>
    public SaeStatsResult Result(double deadThreshold = 0, double denseThreshold = 0.1)
    {
        if (_rec.Tokens == 0) throw new InvalidOperationException("no tokens were added; metrics need at least one.");
        double n = _rec.Tokens;
        var rates = _fires.Select(c => c / n).ToArray();
        return new SaeStatsResult(_rec.Tokens,
            Mse: _rec.Mse,
            MseSumOverDIn: _rec.MseSumOverDIn,
            ExplainedVariance: _rec.ExplainedVariance,
            CosineSimilarity: _cos / n,
            NormRatio: _ratio / n,
            L0: _l0 / n,
            L1: _l1 / n,
            DeadFraction: rates.Count(r => r <= deadThreshold) / (double)_dSae,
            DenseFraction: rates.Count(r => r > denseThreshold) / (double)_dSae,
            DeadThreshold: deadThreshold, DenseThreshold: denseThreshold,
            FiringRates: rates);
    }

}
