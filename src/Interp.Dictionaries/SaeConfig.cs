// The settings of one sparse autoencoder as SAELens's cfg.json states them (flat v6 field names), plus
// norm_scaling_factor, which this project stores there. Reading and writing the JSON is Format/SaeConfigJson.cs.
namespace Interp.Dictionaries;

/// <summary>SAELens's normalize_activations values this project implements.</summary>
public enum SaeNormalization
{
    None,
    /// <summary>Anthropic's April 2024 normalisation: inputs are multiplied by NormScalingFactor = sqrt(d_in) / E‖x‖
    /// before encoding, and reconstructions divided by it after decoding.</summary>
    ExpectedAverageOnlyIn,
}

/// <summary>SAELens's reshape_activations: "hook_z" flattens a [.., heads, d_head] hook_z activation to [.., heads·d_head].</summary>
public enum SaeReshape { None, HookZ }

/// <summary>How the weights are stored on disk (cfg.json "dtype"; "torch.float32" is read as "float32").</summary>
public enum SaeDType { Float32, Float64, Float16, Bfloat16 }

public sealed record SaeConfig
{
    public const SaeNormalization NormNone = SaeNormalization.None;
    public const SaeNormalization NormExpectedAverageOnlyIn = SaeNormalization.ExpectedAverageOnlyIn;

    /// <summary>"standard" (ReLU), "topk", "batchtopk" or "jumprelu" (see SaeArchitectures).</summary>
    public required string Architecture { get; init; }
    public required int DIn { get; init; }
    public required int DSae { get; init; }
    /// <summary>How the weights are stored on disk (computation uses the dtype the SAE was loaded in, F32 unless asked otherwise).</summary>
    public SaeDType DType { get; init; } = SaeDType.Float32;
    /// <summary>Kept for round trips; this project computes on the host whatever it says.</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>Subtract b_dec from the (normalised) input before the encoder.</summary>
    public bool ApplyBDecToInput { get; init; } = true;
    public SaeNormalization NormalizeActivations { get; init; } = NormNone;
    /// <summary>For expected_average_only_in: the factor inputs are multiplied by. Stored in cfg.json as
    /// "norm_scaling_factor" (SAELens keeps the same number in its pretrained_saes.yaml); null = not known yet
    /// (estimate it with Sae.EstimateNormScalingFactor).</summary>
    public double? NormScalingFactor { get; init; }
    public SaeReshape ReshapeActivations { get; init; } = SaeReshape.None;
    /// <summary>topk: features kept per token (an integer). batchtopk: mean features per token over a batch (may be
    /// fractional; used by training only, inference uses the threshold).</summary>
    public double? K { get; init; }

    // metadata: where the SAE reads its input and what it was trained on
    public string HookName { get; init; } = "";
    public int? HookLayer { get; init; }
    /// <summary>When set, the SAE reads one head (d_in = d_head) of a [.., heads, d_head] hook.</summary>
    public int? HookHeadIndex { get; init; }
    public string? ModelName { get; init; }
    public int? ContextSize { get; init; }
    public bool? PrependBos { get; init; }
    public string? DatasetPath { get; init; }

    /// <summary>Top-level keys this project does not interpret, name -> raw JSON text, written back unchanged on save.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();
    /// <summary>Keys of a v6 "metadata" object this project does not interpret (sae_lens_version, ...), written back there.</summary>
    public IReadOnlyDictionary<string, string> MetadataExtra { get; init; } = new Dictionary<string, string>();

    /// <summary>k as a feature count, for topk.</summary>
    public int TopK => K is { } k ? (int)k : throw new InvalidOperationException($"this {Architecture} SAE has no k in its cfg.json.");
}
