// Standard (ReLU) SAE training, as SAELens's "standard" with Anthropic's April 2024 update: f = ReLU((x - b_dec)W_enc
// + b_enc), loss = mean_rows ‖x - x̂‖² + λ_t · mean_rows Σ_j f_j ‖W_dec[j]‖, with λ_t = l1_coefficient ·
// min(1, (step + 1) / l1_warm_up_steps). The decoder norm sits inside the penalty, so rows are not renormalised.
using Interp.Tensors;

namespace Interp.Dictionaries.Training;

public sealed class StandardTraining(SaeTrainConfig cfg) : ISaeTrainingMethod
{
    public string Name => "standard";
    public bool NormalizesDecoder => false;

    public void Validate(SaeTrainConfig c)
    {
        if (c.K is not null) throw new ArgumentException("k is for topk and batchtopk; a standard SAE is sparsified by l1_coefficient.");
    }

    /// <summary>λ at <paramref name="step"/>: linear warm-up over l1_warm_up_steps.</summary>
    public double Coefficient(int step) => cfg.L1Coefficient * (cfg.L1WarmUpSteps > 0 ? Math.Min(1.0, (step + 1.0) / cfg.L1WarmUpSteps) : 1.0);

    public StepOutput Forward(SaeParameters p, StepInput input)
    {
        int rows = input.X.Shape[0];
        var xin = LossTerms.EncoderInput(input.X, p, cfg.ApplyBDecToInput);
        var f = TensorOps.Relu(TensorOps.MatMul(xin, p.WEnc) + p.BEnc);      // [rows, d_sae]
        var xhat = TensorOps.MatMul(f, p.WDec) + p.BDec;                     // [rows, d_in]
        var mse = LossTerms.SumSquaredErrorMean(xhat, input.X);
        var norms = TensorOps.Sum(p.WDec.Square(), new[] { 1 }).Sqrt();      // [d_sae]
        var colSum = TensorOps.Sum(f, new[] { 0 });                          // [d_sae]
        var l1 = TensorOps.Sum(colSum * norms) * (Coefficient(input.Step) / rows);
        var (fired, counts, l0) = LossTerms.Firing(f);
        return new StepOutput
        {
            Loss = mse + l1, XHat = xhat, SparsityLoss = l1.ItemDouble(), L0 = l0, Fired = fired, FireCounts = counts,
        };
    }
}
