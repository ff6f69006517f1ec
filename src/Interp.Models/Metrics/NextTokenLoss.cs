// Mean next-token cross-entropy: predict token t+1 from positions 0..T-2 of every row (the loss the
// fixtures and `interp run` report).
using Interp.Tensors;

namespace Interp.Models;

public static class NextTokenLoss
{
    /// <param name="logits">[batch, pos, d_vocab]</param>
    /// <param name="tokens">[batch, pos] I64/I32</param>
    /// <returns>rank-0 mean loss (differentiable)</returns>
    public static Tensor Compute(Tensor logits, Tensor tokens)
    {
        int b = logits.Shape[0], t = logits.Shape[1], v = logits.Shape[2];
        if (t < 2) throw new ArgumentException($"next-token loss needs at least 2 positions, got {t}.");
        using var scope = TensorScope.Begin();
        var pred = logits.Narrow(1, 0, t - 1).Reshape(b * (t - 1), v);     // [batch·(pos-1), vocab]
        var tgt = tokens.Narrow(1, 1, t - 1).Reshape(b * (t - 1));         // [batch·(pos-1)]
        return scope.Keep(TensorOps.CrossEntropy(pred, tgt));
    }
}
