// Where a trainer's activations come from: a stream of rows [d_in] with a checkpointable position. The model-backed
// source is ModelActivationSource.cs; tests plug in synthetic ones. The shuffling buffer is ActivationBuffer.cs.
namespace Interp.Dictionaries.Training;

/// <param name="Position">source-defined counters (e.g. epoch and contexts read), restored by LoadState</param>
/// <param name="Pending">rows produced but not yet handed out, row-major [rows, d_in] (may be empty)</param>
public sealed record ActivationSourceState(long[] Position, float[] Pending);

public interface IActivationSource : IDisposable
{
    /// <summary>Width of one activation row.</summary>
    int DIn { get; }

    /// <summary>The model hook the rows come from (its HookTable record), or null for sources without a model.</summary>
    Interp.Models.HookPoint? Hook => null;

    /// <summary>Fills <paramref name="dst"/> (a whole number of rows, row-major [rows, d_in]) with the next rows.</summary>
    void Read(Span<float> dst);

    /// <summary>The position after the rows handed out so far; LoadState(GetState()) on a fresh source continues the stream exactly.</summary>
    ActivationSourceState GetState();

    void LoadState(ActivationSourceState state);
}
