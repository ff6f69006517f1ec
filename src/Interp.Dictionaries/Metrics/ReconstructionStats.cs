// The one implementation of reconstruction error and explained variance: streaming Σ‖x - x̂‖² and the spread of x
// about its running mean (Chan et al.'s merge), in float64, so the result does not depend on how tokens were batched.
// Used by SaeStats (evaluation over many batches) and by the SAE trainer (one batch per step). Not the training loss.
namespace Interp.Dictionaries;

public sealed class ReconstructionStats
{
    private readonly int _d;
    private long _n;
    private double _sse;
    private readonly double[] _mean, _m2;   // per input dimension: running mean and Σ(x - mean)²

    public ReconstructionStats(int dIn)
    {
        if (dIn <= 0) throw new ArgumentOutOfRangeException(nameof(dIn), $"d_in must be positive; got {dIn}.");
        _d = dIn; _mean = new double[dIn]; _m2 = new double[dIn];
    }

    public long Tokens => _n;
    /// <summary>Σ over tokens of ‖x - x̂‖².</summary>
    public double SumSquaredError => _sse;
    /// <summary>Mean over tokens and d_in of (x - x̂)².</summary>
    public double Mse => _sse / ((double)_n * _d);
    /// <summary>Mean over tokens of ‖x - x̂‖² (summed over d_in: the training loss's scale).</summary>
    public double MseSumOverDIn => _sse / _n;
    /// <summary>1 - Σ‖x - x̂‖² / Σ‖x - x̄‖², x̄ the mean input over the tokens (not about zero); NaN when x never varies.</summary>
    public double ExplainedVariance
    {
        get { double total = _m2.Sum(); return total > 0 ? 1 - _sse / total : double.NaN; }
    }

    /// <summary>Adds tokens: x and x̂ row-major [rows, d_in].</summary>
    public void Add<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> xhat) where T : unmanaged, System.Numerics.INumberBase<T>
    {
        if (x.Length != xhat.Length || x.Length % _d != 0)
            throw new ArgumentException($"x ({x.Length} values) and x̂ ({xhat.Length}) must both be whole rows of d_in = {_d}.");
        int rows = x.Length / _d;
        if (rows == 0) return;
        var bMean = new double[_d];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < _d; i++)
            {
                double a = double.CreateTruncating(x[r * _d + i]), e = a - double.CreateTruncating(xhat[r * _d + i]);
                _sse += e * e;
                bMean[i] += a;
            }
        // merge this batch's per-dimension mean and spread into the running ones
        for (int i = 0; i < _d; i++) bMean[i] /= rows;
        long n = _n + rows;
        for (int i = 0; i < _d; i++)
        {
            double m2 = 0;
            for (int r = 0; r < rows; r++) { double dv = double.CreateTruncating(x[r * _d + i]) - bMean[i]; m2 += dv * dv; }
            double delta = bMean[i] - _mean[i];
            _m2[i] += m2 + delta * delta * ((double)_n * rows / n);
            _mean[i] += delta * rows / n;
        }
        _n = n;
    }
}
