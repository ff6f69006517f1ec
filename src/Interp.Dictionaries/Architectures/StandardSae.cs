// The standard SAE: f = ReLU(pre), with pre = (x - b_dec·apply_b_dec_to_input) W_enc + b_enc.
using Interp.Dictionaries.Training;
using Interp.Tensors;

namespace Interp.Dictionaries;

public sealed class StandardSae : ISaeArchitecture
{
    public ISaeTrainingMethod CreateTraining(SaeTrainConfig cfg) => new StandardTraining(cfg);

    public string Name => "standard";

    public Tensor Activate(Sae sae, Tensor pre) => TensorOps.Relu(pre);   // [.., d_sae]
}
