// BatchTopK SAE (Bussmann et al. 2024). Training keeps the k·batch largest activations over a whole batch; for
// inference SAELens turns the learned global threshold into a JumpReLU threshold and saves the SAE as "jumprelu".
// So here: inference = JumpReLU with `threshold` [d_sae] (or a stored scalar `topk_threshold`), saved as jumprelu.
using Interp.Dictionaries.Training;
using Interp.Tensors;

namespace Interp.Dictionaries;

public sealed class BatchTopKSae : ISaeArchitecture
{
    public ISaeTrainingMethod CreateTraining(SaeTrainConfig cfg) => new BatchTopKTraining(cfg);

    public string Name => "batchtopk";
    public string SavedAs => "jumprelu";
    public IReadOnlyList<string> ExtraTensors { get; } = new[] { "threshold" };

    public void PrepareLoaded(SaeConfig cfg, Dictionary<string, Tensor> tensors, string source)
    {
        // a SAELens training checkpoint holds the running scalar threshold; inference wants it per feature
        if (tensors.ContainsKey("threshold") || !tensors.Remove("topk_threshold", out var scalar)) return;
        using (scalar)
        {
            if (scalar.Numel != 1) throw new SaeFormatException($"{source}: topk_threshold must hold one number; it has shape [{ShapeUtil.Str(scalar.Shape)}].");
            var t = Tensor.Zeros(DType.F64, cfg.DSae);
            Array.Fill(t.Data<double>(), scalar.ItemDouble());
            tensors["threshold"] = t;
        }
    }

    public Tensor Activate(Sae sae, Tensor pre) => JumpReluSae.Apply(pre, sae.Threshold!);

    /// <summary>The training-time activation: over all rows together, keep the round(k·rows) largest ReLU'd
    /// pre-activations, zero the rest. pre [rows, d_sae] -> [rows, d_sae] (k may be fractional).</summary>
    public static Tensor BatchActivate(Tensor pre, double k)
    {
        if (pre.Rank != 2) throw new ArgumentException($"BatchActivate expects [rows, d_sae]; got [{ShapeUtil.Str(pre.Shape)}]. Reshape to [-1, d_sae] first.");
        int keep = (int)Math.Min(pre.Numel, Math.Max(0, Math.Round(k * pre.Shape[0])));
        using var scope = TensorScope.Begin();
        var flat = TensorOps.Relu(pre).Reshape(pre.Numel);
        return scope.Keep(TopKSae.KeepTopK(flat, keep).Reshape(pre.Shape));
    }
}
