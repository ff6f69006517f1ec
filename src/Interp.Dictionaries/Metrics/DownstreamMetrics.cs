// How much of the model's behaviour survives replacing a hook by the SAE's reconstruction: CE-loss recovered against
// an ablation baseline, KL(clean ‖ other) summed per position, and the KL score. Pure formulas over numbers and logits.
using Interp.Tensors;

namespace Interp.Dictionaries;

public static class DownstreamMetrics
{
    /// <summary>(CE_ablated - CE_sae) / (CE_ablated - CE_clean): 1 when splicing the SAE costs nothing, 0 when it is as bad
    /// as the ablation. NaN when the ablation does not change the loss (no baseline to compare against).</summary>
    public static double CeLossRecovered(double ceClean, double ceSae, double ceAblated)
    {
        double denom = ceAblated - ceClean;
        return denom == 0 ? double.NaN : (ceAblated - ceSae) / denom;
    }

    /// <summary>(KL_ablated - KL_sae) / KL_ablated, both KL(clean ‖ ·) averaged over positions: 1 when the spliced model's
    /// next-token distributions equal the clean ones. NaN when the ablation leaves them unchanged.</summary>
    public static double KlScore(double klSae, double klAblated) => klAblated == 0 ? double.NaN : (klAblated - klSae) / klAblated;

    /// <summary>Σ over positions of KL(softmax(p) ‖ softmax(q)) = Σ_v p_v (log p_v - log q_v), in nats, and the number of
    /// positions. Logits [.., vocab], equal shapes; computed in float64 through log-sum-exp.</summary>
    public static (double sum, long positions) KlSum(Tensor logitsP, Tensor logitsQ)
    {
        if (!ShapeUtil.SameShape(logitsP.Shape, logitsQ.Shape) || logitsP.Rank == 0)
            throw new ArgumentException($"KL needs two logit tensors of one shape [.., vocab]; got [{ShapeUtil.Str(logitsP.Shape)}] and [{ShapeUtil.Str(logitsQ.Shape)}].");
        int v = logitsP.Shape[^1], rows = logitsP.Numel / v;
        var p = logitsP.ToDoubleArray(); var q = logitsQ.ToDoubleArray();
        double sum = 0;
        var lp = new double[v]; var lq = new double[v];
        for (int r = 0; r < rows; r++)
        {
            LogSoftmax(p.AsSpan(r * v, v), lp);
            LogSoftmax(q.AsSpan(r * v, v), lq);
            double kl = 0;
            for (int i = 0; i < v; i++)
            {
                double pi = Math.Exp(lp[i]);
                if (pi > 0) kl += pi * (lp[i] - lq[i]);
            }
            sum += kl;
        }
        return (sum, rows);
    }

    private static void LogSoftmax(ReadOnlySpan<double> x, Span<double> dst)
    {
        double max = double.NegativeInfinity;
        foreach (var a in x) if (a > max) max = a;
        double s = 0;
        foreach (var a in x) s += Math.Exp(a - max);
        double lse = max + Math.Log(s);
        for (int i = 0; i < x.Length; i++) dst[i] = x[i] - lse;
    }

}
