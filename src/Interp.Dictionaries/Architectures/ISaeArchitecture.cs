// One SAE architecture, inference and training in one registry entry: how pre-activations become feature activations,
// which extra tensors it needs, what it checks in the config, and the training method that learns it. Implementations
// are stateless singletons registered in SaeArchitectures by cfg.json name.
using Interp.Dictionaries.Training;
using Interp.Tensors;

namespace Interp.Dictionaries;

public interface ISaeArchitecture
{
    /// <summary>The cfg.json "architecture" this reads.</summary>
    string Name { get; }

    /// <summary>The "architecture" written on save (batchtopk is saved as jumprelu, as SAELens does).</summary>
    string SavedAs => Name;

    /// <summary>Tensors needed beyond W_enc, b_enc, W_dec, b_dec (e.g. "threshold").</summary>
    IReadOnlyList<string> ExtraTensors => Array.Empty<string>();

    /// <summary>Architecture-specific config checks (k present and in range, ...); throws SaeFormatException.</summary>
    void Validate(SaeConfig cfg, string source) { }

    /// <summary>Adapts tensors as stored to what this architecture computes with (e.g. a scalar threshold to
    /// [d_sae]) before they are checked; <paramref name="tensors"/> maps SAELens names to tensors it owns.</summary>
    void PrepareLoaded(SaeConfig cfg, Dictionary<string, Tensor> tensors, string source) { }

    /// <summary>Feature activations from pre-activations: [.., d_sae] -> a new [.., d_sae], differentiable.</summary>
    Tensor Activate(Sae sae, Tensor pre);

    /// <summary>A new training method for one run with <paramref name="cfg"/> (it may keep run state), or null when this
    /// architecture can be loaded but not trained here.</summary>
    ISaeTrainingMethod? CreateTraining(SaeTrainConfig cfg) => null;
}
