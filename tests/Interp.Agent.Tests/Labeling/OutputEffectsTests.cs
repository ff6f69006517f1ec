// The output side checked through the model's own forward pass: putting the decoder direction in place of ln_final's
// normalised output changes the logits by exactly (d ⊙ γ)·W_U — the effects OutputEffects reports — so its promoted
// and suppressed tokens are the largest and smallest of that difference.
using Interp.Agent.Labeling;
using Interp.Dictionaries;
using Interp.Models;
using Interp.Tensors;

namespace Interp.Agent.Tests.Labeling;

public sealed class OutputEffectsTests
{
    /// <summary>float32 logits of a 128-wide dot product, differenced: a few ulps of values around 1.</summary>
    private const double Tol = 1e-4;

    [Fact]
    public void Top_ToySmall_MatchesLogitDifferenceThroughTheForwardPass()
    {
        var model = ModelLoader.Load(ToyCacheFixture.ModelDir);
        using var sae = Sae.Load(ToyCacheFixture.SaeDir);
        var effects = new OutputEffects(model, sae);
        Assert.Null(effects.Unavailable);
        int dModel = model.Config.DModel, vocab = model.Config.DVocab;
        var dec = sae.WDec.ToArray();
        foreach (var f in new[] { 0, 17, 500 })
        {
            var d = dec.AsSpan(f * dModel, dModel).ToArray();
            double[] Logits(float[] x)
            {
                using var _ = Tensor.NoGrad();
                using var tokens = Tensor.FromArray(new long[] { 1, 5 }, 1, 2);
                using var logits = model.RunWithHooks(tokens, (HookTable.LnFinalNormalizedName,
                    (act, _) => Tensor.FromArray(Enumerable.Range(0, act.Shape[0] * act.Shape[1]).SelectMany(_ => x).ToArray(), act.Shape)));
                return logits.ToDoubleArray().AsSpan(vocab, vocab).ToArray();   // position 1
            }
            var on = Logits(d);
            var off = Logits(new float[dModel]);
            var diff = on.Zip(off, (a, b) => a - b).ToArray();
            var (up, down) = effects.Top(f, 5, i => i.ToString());
            var want = Enumerable.Range(0, vocab).OrderByDescending(v => diff[v]).Take(5).ToList();
            Assert.Equal(want, up.Select(t => t.TokenId));
            Assert.Equal(Enumerable.Range(0, vocab).OrderBy(v => diff[v]).Take(5), down.Select(t => t.TokenId));
            foreach (var t in up.Concat(down)) Assert.True(Math.Abs(t.Logit - diff[t.TokenId]) < Tol, $"feature {f} token {t.TokenId}: {t.Logit} vs {diff[t.TokenId]}");
        }
    }
}
