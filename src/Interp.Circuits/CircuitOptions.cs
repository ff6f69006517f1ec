// Settings shared by every CircuitLab question: batch size, what ablation replaces a node with, the padding id.
namespace Interp.Circuits;

public sealed record CircuitOptions
{
    /// <summary>Prompt pairs per forward pass.</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>What ablated nodes become: their mean activation (default) or the paired corrupted prompt's activation.</summary>
    public AblationKind Ablation { get; init; } = AblationKind.Mean;
    /// <summary>Mean ablation: per position or over all positions; null: per position when every prompt has one length, else all positions.</summary>
    public MeanMode? MeanMode { get; init; }
    /// <summary>Which prompts the ablation means are taken over (the corrupted ones, as in the IOI paper's ABC mean).</summary>
    public MeanSource MeanSource { get; init; } = MeanSource.Corrupted;
    /// <summary>Token id right-padding uses (any valid id: the model is causal, so padding never reaches a real position).</summary>
    public int PadId { get; init; }

    public void Validate()
    {
        if (BatchSize < 1 || BatchSize > 4096) throw new ArgumentException($"batch size must be in 1..4096 (got {BatchSize}).");
        if (PadId < 0) throw new ArgumentException($"pad id must be a valid token id (got {PadId}).");
    }
}
