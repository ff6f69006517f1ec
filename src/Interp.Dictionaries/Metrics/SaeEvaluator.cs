// Evaluates an SAE on a model over token ids: reconstruction and sparsity statistics at its hook (SaeStats), and the
// next-token CE loss / KL of the model with the hook replaced by the SAE's reconstruction, zero-ablated and mean-ablated
// (the mean over all given tokens). Two passes over the batches, each batch in its own TensorScope, so nothing here
// keeps more than one batch of logits.
using Interp.Models;
using Interp.Tensors;

namespace Interp.Dictionaries;

/// <param name="BatchRows">rows of token ids per forward pass</param>
/// <param name="DeadThreshold">firing rate at or below which a feature counts as dead</param>
/// <param name="DenseThreshold">firing rate above which a feature counts as dense</param>
public sealed record SaeEvalOptions(int BatchRows = 8, double DeadThreshold = 0, double DenseThreshold = 0.1);

/// <param name="CeClean">mean next-token CE of the plain model over positions 0..T-2 of every row</param>
/// <param name="CeSae">... with the hook replaced by the SAE's reconstruction (no error term)</param>
/// <param name="CeZeroAblation">... with the part of the hook the SAE reads set to zero</param>
/// <param name="CeMeanAblation">... set to its mean over all given tokens</param>
/// <param name="KlSae">mean over all positions of KL(clean ‖ spliced) of the next-token distributions, nats</param>
public sealed record SaeEvalResult(SaeStatsResult Stats, int Rows, int Positions,
    double CeClean, double CeSae, double CeZeroAblation, double CeMeanAblation, double CeLossRecoveredZero, double CeLossRecoveredMean,
    double KlSae, double KlZeroAblation, double KlMeanAblation, double KlScoreZero, double KlScoreMean);

public static class SaeEvaluator
{
    public static SaeEvalResult Evaluate(HookedTransformer model, Sae sae, Tensor tokens /* [batch, pos] */, SaeEvalOptions? options = null)
    {
        var o = options ?? new SaeEvalOptions();
        if (o.BatchRows <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"BatchRows must be positive; got {o.BatchRows}.");
        model.ValidateTokens(tokens);
        int rows = tokens.Shape[0], t = tokens.Shape[1];
        if (t < 2) throw new ArgumentException($"the CE-loss metrics need sequences of at least 2 tokens; got {t}.");
        var (hook, layout) = SaeSplice.Resolve(model, sae);
        if (sae.DType != DType.F32) throw new ArgumentException($"evaluate an SAE in the model's dtype (F32), not {sae.DType}; load it without DType.F64.");
        using var _ = Tensor.NoGrad();

        // pass 1 (stopped at the hook): statistics there and the hook's mean for mean ablation
        var stats = new SaeStats(sae.DIn, sae.DSae);
        double[]? meanSum = null; int[]? meanShape = null; long meanCount = 0;
        foreach (var (start, n) in Batches(tokens.Shape[0], o.BatchRows))
        {
            using var scope = TensorScope.Begin();
            var act = model.RunToHook(tokens.Narrow(0, start, n), hook);         // [b, pos, ...]
            var x = layout.Read(act, hook);
            var f = sae.Encode(x);
            stats.Add(x, sae.Decode(f), f);
            var s = TensorOps.Sum(act, new[] { 0, 1 }).ToDoubleArray();             // [...]
            meanSum ??= new double[s.Length];
            meanShape ??= act.Shape[2..];
            for (int i = 0; i < s.Length; i++) meanSum[i] += s[i];
            meanCount += (long)act.Shape[0] * act.Shape[1];
        }
        using var mean = Tensor.FromArray(Array.ConvertAll(meanSum!, v => (float)(v / meanCount)), meanShape!);

        // pass 2: the same batches clean, spliced (reconstruction only), zero- and mean-ablated
        double ceClean = 0, ceSae = 0, ceZero = 0, ceMean = 0, klSae = 0, klZero = 0, klMean = 0;
        long cePositions = 0, klPositions = 0;
        foreach (var (start, n) in Batches(tokens.Shape[0], o.BatchRows))
        {
            using var scope = TensorScope.Begin();
            var ids = tokens.Narrow(0, start, n);
            var clean = model.Run(ids);
            Tensor spliced;
            using (SaeSplice.Attach(model, sae, includeError: false)) spliced = model.Run(ids);
            var zero = model.RunWithHooks(ids, (hook, Interventions.ZeroAblate(layout.Covered)));
            var meanAbl = model.RunWithHooks(ids, (hook, Interventions.MeanAblate(mean, layout.Covered)));
            long nPred = (long)n * (t - 1);
            ceClean += Ce(clean, ids) * nPred; ceSae += Ce(spliced, ids) * nPred; ceZero += Ce(zero, ids) * nPred; ceMean += Ce(meanAbl, ids) * nPred;
            cePositions += nPred;
            klSae += DownstreamMetrics.KlSum(clean, spliced).sum;
            klZero += DownstreamMetrics.KlSum(clean, zero).sum;
            klMean += DownstreamMetrics.KlSum(clean, meanAbl).sum;
            klPositions += (long)n * t;
        }
        ceClean /= cePositions; ceSae /= cePositions; ceZero /= cePositions; ceMean /= cePositions;
        klSae /= klPositions; klZero /= klPositions; klMean /= klPositions;
        return new SaeEvalResult(stats.Result(o.DeadThreshold, o.DenseThreshold), rows, t,
            ceClean, ceSae, ceZero, ceMean,
            DownstreamMetrics.CeLossRecovered(ceClean, ceSae, ceZero), DownstreamMetrics.CeLossRecovered(ceClean, ceSae, ceMean),
            klSae, klZero, klMean, DownstreamMetrics.KlScore(klSae, klZero), DownstreamMetrics.KlScore(klSae, klMean));
    }

    private static double Ce(Tensor logits, Tensor ids) => NextTokenLoss.Compute(logits, ids).ItemDouble();   // in the batch's scope

    /// <summary>(first row, rows) of each batch of at most <paramref name="rows"/> rows.</summary>
    private static IEnumerable<(int start, int n)> Batches(int total, int rows)
    {
        for (int start = 0; start < total; start += rows) yield return (start, Math.Min(rows, total - start));
    }

}
