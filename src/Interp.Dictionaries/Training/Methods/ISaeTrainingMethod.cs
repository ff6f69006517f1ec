// How one SAE architecture trains: its loss on a batch (with autodiff), whether W_dec rows are kept at unit norm,
// what it adds to the parameters and to the checkpoint, and what threshold it saves. One file per method; they are
// created per run by TrainingMethods (by cfg architecture), so a method may keep run state (batchtopk's threshold).
using Interp.Tensors;

namespace Interp.Dictionaries.Training;

/// <summary>What a method sees at one step.</summary>
/// <param name="X">the batch [batch, d_in] (normalised when normalize_activations asks), no grad</param>
/// <param name="Step">0-based index of this optimizer step</param>
/// <param name="Dead">per feature: no activation for dead_feature_window steps [d_sae]</param>
public sealed record StepInput(Tensor X, int Step, bool[] Dead, int DeadCount);

/// <summary>A step's loss (with its graph) and what the trainer reports and tracks. Methods run inside the caller's
/// TensorScope (the trainer opens one per step), which frees every tensor here, and the graph, when it ends.</summary>
public sealed class StepOutput
{
    /// <summary>The scalar to backpropagate.</summary>
    public required Tensor Loss { get; init; }
    /// <summary>The reconstruction [batch, d_in] (values only are read).</summary>
    public required Tensor XHat { get; init; }
    /// <summary>The sparsity term as added to the loss (coefficient included): L1 or L0 penalty; 0 for topk.</summary>
    public double SparsityLoss { get; init; }
    /// <summary>The AuxK term as added to the loss (coefficient included).</summary>
    public double AuxLoss { get; init; }
    /// <summary>Mean number of nonzero features per token.</summary>
    public double L0 { get; init; }
    /// <summary>Per feature: nonzero on at least one token of the batch [d_sae].</summary>
    public required bool[] Fired { get; init; }
    /// <summary>Per feature: tokens of the batch on which it was nonzero [d_sae].</summary>
    public required int[] FireCounts { get; init; }
}

public interface ISaeTrainingMethod
{
    /// <summary>The cfg architecture it trains (the saved SAE has it, or what it saves as).</summary>
    string Name { get; }

    /// <summary>True when W_dec rows are kept at unit norm: the trainer removes the gradient component along each row
    /// before the step and renormalises the rows after it.</summary>
    bool NormalizesDecoder { get; }

    /// <summary>Config checks for this method (k given, ...); throws ArgumentException.</summary>
    void Validate(SaeTrainConfig cfg);

    /// <summary>Adds method parameters (e.g. jumprelu's log_threshold) to freshly initialised ones.</summary>
    void InitParameters(SaeParameters p) { }

    /// <summary>The loss on one batch (call it inside a TensorScope: what it makes belongs to that scope).</summary>
    StepOutput Forward(SaeParameters p, StepInput input);

    /// <summary>Called after the optimizer step (running estimates).</summary>
    void AfterStep(StepOutput output) { }

    /// <summary>Method state beyond the parameters, for checkpoints (name -> value).</summary>
    IReadOnlyDictionary<string, double> GetState() => new Dictionary<string, double>();

    void LoadState(IReadOnlyDictionary<string, double> state) { }

    /// <summary>The inference threshold [d_sae] for the saved SAE (null when the architecture has none).</summary>
    Tensor? Threshold(SaeParameters p) => null;
}

/// <summary>The training methods, read from the SAE architecture registry (SaeArchitectures: one entry per architecture
/// holds inference and training); an unknown or untrainable name lists the trainable ones.</summary>
public static class TrainingMethods
{
    /// <summary>Architectures that can be trained here.</summary>
    public static IReadOnlyList<string> Names => SaeArchitectures.Registered.Where(a => Probe(a) is not null).Select(a => a.Name).ToArray();

    /// <summary>A new method instance for <paramref name="cfg"/> (one per run).</summary>
    public static ISaeTrainingMethod Create(SaeTrainConfig cfg) =>
        SaeArchitectures.Find(cfg.Architecture)?.CreateTraining(cfg) ?? throw Unknown(cfg.Architecture);

    /// <summary>A method instance used for its config checks only.</summary>
    internal static ISaeTrainingMethod Get(string name) =>
        (SaeArchitectures.Find(name) is { } a ? Probe(a) : null) ?? throw Unknown(name);

    private static ISaeTrainingMethod? Probe(ISaeArchitecture a) => a.CreateTraining(new SaeTrainConfig { HookName = "", DIn = 1, DSae = 1, Architecture = a.Name });

    private static ArgumentException Unknown(string name) =>
        new($"unknown architecture '{name}'; SAE training supports: {string.Join(", ", Names)}.");
}
