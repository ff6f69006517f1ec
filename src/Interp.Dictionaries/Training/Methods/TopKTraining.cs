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
        var xin = LossTerms.EncoderInput(input.X, p, cfg.ApplyBDecToInput);
        var (acts, idx) = TensorOps.TopKLinear(xin, p.WEnc, p.BEnc, (int)cfg.K!.Value);   // [rows, k]
        return LossTerms.SparseCodeStep(p, xin, acts, idx, input, cfg);
    }
}
