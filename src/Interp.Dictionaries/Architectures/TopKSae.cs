// TopK SAE (Gao et al. 2024): per token, the k largest pre-activations pass through ReLU, all others are zero.
// Ties keep the lower feature index. The gradient flows to the kept pre-activations only.
using Interp.Dictionaries.Training;
using Interp.Tensors;

namespace Interp.Dictionaries;

public sealed class TopKSae : ISaeArchitecture
{
    public ISaeTrainingMethod CreateTraining(SaeTrainConfig cfg) => new TopKTraining(cfg);

    public string Name => "topk";

    public void Validate(SaeConfig cfg, string source)
    {
        if (cfg.K is not { } k) throw new SaeFormatException($"{source}: a topk SAE needs k (top-level \"k\" or activation_fn_kwargs.k).");
        if (k != Math.Floor(k) || k < 1 || k > cfg.DSae)
            throw new SaeFormatException($"{source}: topk k = {k} must be a whole number in 1..d_sae ({cfg.DSae}).");
    }

    public Tensor Activate(Sae sae, Tensor pre) => KeepTopK(pre, sae.Cfg.TopK);

    /// <summary>ReLU of the k largest entries of each row along the last axis, zeros elsewhere: [.., n] -> [.., n].</summary>
    public static Tensor KeepTopK(Tensor pre, int k)
    {
        using var scope = TensorScope.Begin();
        var (values, indices) = TensorOps.TopK(pre, k, -1);   // [.., k]
        return scope.Keep(TensorOps.ScatterAdd(Tensor.Zeros(pre.DType, pre.Shape), -1, indices, TensorOps.Relu(values)));
    }
}
