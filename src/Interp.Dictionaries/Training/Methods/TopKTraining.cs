// TopK SAE training (Gao et al. 2024): per token the k largest pre-activations pass through ReLU; loss = mean_rows
// ‖x - x̂‖² + aux_k_coef · AuxK (LossTerms.AuxK). Codes stay sparse: the fused TopKLinear encoder and the
// SparseRowsMatMul decoder (and their sparse backward passes) never build a [batch, d_sae] tensor. W_dec rows are
// kept at unit norm (parallel gradient removed, rows renormalised after each step).
using Interp.Tensors;

namespace Interp.Dictionaries.Training;

public sealed class TopKTraining(SaeTrainConfig cfg) : ISaeTrainingMethod
{
    public string Name => "topk";
    public bool NormalizesDecoder => true;

    public void Validate(SaeTrainConfig c)
    {
        if (c.K is not { } k || k != Math.Floor(k) || k < 1 || k > c.DSae)
            throw new ArgumentException($"a topk SAE needs k, a whole number in 1..d_sae ({c.DSae}); got {c.K?.ToString() ?? "none"}.");
    }

    public StepOutput Forward(SaeParameters p, StepInput input)
    {
        var owned = new List<IDisposable>();
        using var xin = LossTerms.EncoderInput(input.X, p, cfg.ApplyBDecToInput);
        var (acts, idx) = TensorOps.TopKLinear(xin, p.WEnc, p.BEnc, (int)cfg.K!.Value);   // [rows, k]
        owned.Add(acts); owned.Add(idx);
        using var dec = TensorOps.SparseRowsMatMul(acts, idx, p.WDec);
        var xhat = dec + p.BDec;                                                        // [rows, d_in]
        var mse = LossTerms.SumSquaredErrorMean(xhat, input.X);
        var aux = LossTerms.AuxK(p, xin, input.X, xhat, input, cfg, owned);
        Tensor loss = mse;
        if (aux is not null) { loss = mse + aux; mse.Dispose(); }
        var (fired, counts, l0) = LossTerms.Firing(acts, idx, p.DSae);
        var o = new StepOutput { Loss = loss, XHat = xhat, AuxLoss = aux?.ItemDouble() ?? 0, L0 = l0, Fired = fired, FireCounts = counts };
        aux?.Dispose();
        o.Owned.AddRange(owned);
        return o;
    }
}
