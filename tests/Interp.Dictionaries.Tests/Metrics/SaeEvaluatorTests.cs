// SaeEvaluator on gpt2-tiny: a perfect SAE (ReLU(x) - ReLU(-x) = x) scores exactly; a random one's parts equal
// runs done by hand (clean, replaced, zero- and mean-ablated); results do not depend on the batch size.
using Interp.Models;
using Interp.Tensors;
using static Interp.Dictionaries.Tests.TestSupport;

namespace Interp.Dictionaries.Tests.Metrics;

public class SaeEvaluatorTests
{
    private const string Anchor = "blocks.1.hook_resid_pre";
    private static readonly long[][] Rows = { new long[] { 5, 17, 3, 99, 42, 8 }, new long[] { 60, 1, 77, 23, 0, 64 }, new long[] { 9, 9, 31, 2, 88, 15 } };

    /// <summary>d_sae = 2·d_in, W_enc = [I, -I], W_dec = [I; -I], zero biases: the reconstruction is x itself.</summary>
    internal static Sae Perfect(int d, string hook)
    {
        var wEnc = new double[d * 2 * d]; var wDec = new double[2 * d * d];
        for (int i = 0; i < d; i++) { wEnc[i * 2 * d + i] = 1; wEnc[i * 2 * d + d + i] = -1; wDec[i * d + i] = 1; wDec[(d + i) * d + i] = -1; }
        return Make(Cfg("standard", d, 2 * d, hook: hook), wEnc, new double[2 * d], wDec, new double[d]);
    }

    [Fact]
    public void Evaluate_PerfectSae_ScoresExactly()
    {
        var m = Gpt2Tiny();
        using var sae = Perfect(64, Anchor);
        using var ids = Ids(Rows);
        var r = SaeEvaluator.Evaluate(m, sae, ids);
        Assert.Equal(0, r.Stats.Mse, 1e-12);
        Assert.Equal(1, r.Stats.ExplainedVariance, 1e-12);
        Assert.Equal(1, r.Stats.CosineSimilarity, 1e-6);
        Assert.Equal(1, r.Stats.NormRatio, 1e-6);
        Assert.Equal(64, r.Stats.L0, 1e-12);          // each dim is nonzero in exactly one of its two features
        Assert.Equal(r.CeClean, r.CeSae, 1e-6);
        Assert.Equal(1, r.CeLossRecoveredZero, 1e-5);
        Assert.Equal(1, r.CeLossRecoveredMean, 1e-4);
        Assert.Equal(0, r.KlSae, 1e-7);
        Assert.Equal(18, r.Stats.Tokens);
    }

    [Fact]
    public void Evaluate_RandomSae_PartsEqualHandRuns()
    {
        var m = Gpt2Tiny();
        using var sae = Random(Cfg("topk", 64, 40, k: 6, hook: Anchor), 5);
        using var ids = Ids(Rows);
        var r = SaeEvaluator.Evaluate(m, sae, ids, new SaeEvalOptions(BatchRows: 2));
        using var _ = Tensor.NoGrad();
        // the model's float32 activations differ in their last bits between a batch of 2 rows and one of 3 (GEMM blocking)
        const double actTol = 1e-6;

        var (clean, cache) = m.RunWithCache(ids, n => n == Anchor);
        using (clean)
        using (cache)
        {
            var x = cache[Anchor];
            using var f = sae.Encode(x);
            using var xhat = sae.Decode(f);
            var stats = new SaeStats(64, 40);
            stats.Add(x, xhat, f);
            var s = stats.Result();
            Assert.Equal(s.Mse, r.Stats.Mse, actTol);
            Assert.Equal(s.ExplainedVariance, r.Stats.ExplainedVariance, actTol);
            Assert.Equal(s.L1, r.Stats.L1, actTol * s.L1);
            Assert.Equal(6, r.Stats.L0, 1e-12);       // TopK: exactly k per token when pre-activations are positive enough
            using var meanAct = TensorOps.Mean(x, new[] { 0, 1 });
            using var spliced = m.RunWithHooks(ids, (Anchor, (a, _) => sae.Forward(a)));
            using var zero = m.RunWithHooks(ids, (Anchor, Interventions.ZeroAblate()));
            using var meanAbl = m.RunWithHooks(ids, (Anchor, Interventions.MeanAblate(meanAct)));
            double Ce(Tensor l) { using var t = NextTokenLoss.Compute(l, ids); return t.ItemDouble(); }
            // float32 losses of 3 rows summed per batch of 2 vs all at once
            const double ceTol = 2e-6;
            Assert.Equal(Ce(clean), r.CeClean, ceTol);
            Assert.Equal(Ce(spliced), r.CeSae, ceTol);
            Assert.Equal(Ce(zero), r.CeZeroAblation, ceTol);
            Assert.Equal(Ce(meanAbl), r.CeMeanAblation, 1e-5);   // the mean itself is summed in a different order
            Assert.Equal((r.CeZeroAblation - r.CeSae) / (r.CeZeroAblation - r.CeClean), r.CeLossRecoveredZero, 1e-12);
            Assert.Equal(DownstreamMetrics.KlSum(clean, spliced).sum / 18, r.KlSae, 1e-7);
            Assert.Equal(DownstreamMetrics.KlSum(clean, zero).sum / 18, r.KlZeroAblation, 1e-7);
            Assert.True(r.KlSae > 0 && r.CeSae > r.CeClean, "a random SAE should lose something");
        }
    }

    [Fact]
    public void Evaluate_BatchRows_DoNotChangeTheResult()
    {
        var m = Gpt2Tiny();
        using var sae = Random(Cfg("standard", 64, 40, hook: Anchor), 6);
        using var ids = Ids(Rows);
        var a = SaeEvaluator.Evaluate(m, sae, ids, new SaeEvalOptions(BatchRows: 1));
        var b = SaeEvaluator.Evaluate(m, sae, ids, new SaeEvalOptions(BatchRows: 8));
        // float32 activations of 1-row and 3-row batches differ in their last bits (GEMM blocking)
        Assert.Equal(a.Stats.ExplainedVariance, b.Stats.ExplainedVariance, 1e-6);
        Assert.Equal(a.Stats.L1, b.Stats.L1, 1e-6 * a.Stats.L1);
        Assert.Equal(a.CeSae, b.CeSae, 2e-6);
        Assert.Equal(a.KlSae, b.KlSae, 1e-7);
    }

    [Fact]
    public void Evaluate_OneTokenRows_Throws()
    {
        using var sae = Perfect(64, Anchor);
        using var ids = Ids(new long[] { 3 });
        Assert.Contains("at least 2 tokens", Assert.Throws<ArgumentException>(() => SaeEvaluator.Evaluate(Gpt2Tiny(), sae, ids)).Message);
    }
}
