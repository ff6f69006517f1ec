// The contract shared by optimizers: in-place parameter updates, gradient reset, a settable learning
// rate (driven by an ILrSchedule), and state as named tensors so training can checkpoint and resume.
namespace Interp.Tensors.Optim;

/// <summary>What every optimizer offers: in-place steps, gradient reset, and checkpointable state. Disposing it frees
/// its state (moments); the parameters stay their owner's.</summary>
public interface IOptimizer : IDisposable
{
    IReadOnlyList<Tensor> Parameters { get; }
    /// <summary>Learning rate used by the next Step(); set it from an ILrSchedule each step.</summary>
    double Lr { get; set; }
    void Step();
    void ZeroGrad();
    /// <summary>A copy of the optimizer state as named tensors (the caller owns them).</summary>
    IReadOnlyDictionary<string, Tensor> GetState();
    /// <summary>Restores state saved by GetState() from an optimizer over parameters of the same shapes.</summary>
    void LoadState(IReadOnlyDictionary<string, Tensor> state);
}
