// The Hugging Face config.json of each supported model family as a typed record (snake_case keys, read by ConfigJson):
// what each key means to this runtime, its default, and the keys that would change the computation if set (accepted only
// at values this runtime implements). Mapping to ModelConfig is HfConfigReader; keys known but unused are HfConfigKeys.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Interp.Models;

/// <summary>HF activation names this runtime implements.</summary>
public enum HfActivation
{
    [JsonStringEnumMemberName("gelu_new")] GeluNew,
    [JsonStringEnumMemberName("gelu_pytorch_tanh")] GeluPytorchTanh,
    [JsonStringEnumMemberName("gelu_fast")] GeluFast,
    [JsonStringEnumMemberName("gelu")] Gelu,
    [JsonStringEnumMemberName("silu")] Silu,
    [JsonStringEnumMemberName("swish")] Swish,
    [JsonStringEnumMemberName("relu")] Relu,
}

/// <summary>GPT-2 (GPT2LMHeadModel).</summary>
public sealed record Gpt2HfConfig
{
    public required string ModelType { get; init; }
    public required int NLayer { get; init; }
    public required int NHead { get; init; }
    public required int NEmbd { get; init; }
    public required int VocabSize { get; init; }
    /// <summary>Learned positions (wpe rows); n_ctx is the older name, 1024 when neither is given.</summary>
    public int? NPositions { get; init; }
    public int? NCtx { get; init; }
    /// <summary>MLP width; null means 4 · n_embd.</summary>
    public int? NInner { get; init; }
    public double LayerNormEpsilon { get; init; } = 1e-5;
    public HfActivation ActivationFunction { get; init; } = HfActivation.GeluNew;
    public bool TieWordEmbeddings { get; init; } = true;
    /// <summary>Attention scores divided by sqrt(d_head): the runtime always does so, so false is refused.</summary>
    public bool ScaleAttnWeights { get; init; } = true;
    /// <summary>Scores further divided by layer index + 1 (not implemented): true is refused.</summary>
    public bool ScaleAttnByInverseLayerIdx { get; init; }
    /// <summary>Numerics only (fp16 training); has no effect in float32.</summary>
    public bool ReorderAndUpcastAttn { get; init; }
}

/// <summary>Llama, Mistral and Qwen2 (LlamaForCausalLM and kin): RMSNorm, rotary positions, gated MLP.</summary>
public sealed record LlamaHfConfig
{
    public required string ModelType { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int HiddenSize { get; init; }
    public required int NumAttentionHeads { get; init; }
    public int? NumKeyValueHeads { get; init; }
    /// <summary>Per-head width when it is not hidden_size / num_attention_heads.</summary>
    public int? HeadDim { get; init; }
    public required int IntermediateSize { get; init; }
    public required int VocabSize { get; init; }
    public int MaxPositionEmbeddings { get; init; } = 2048;
    public double RmsNormEps { get; init; } = 1e-6;
    public HfActivation HiddenAct { get; init; } = HfActivation.Silu;
    public bool TieWordEmbeddings { get; init; }
    public double RopeTheta { get; init; } = 10000.0;
    /// <summary>Long-context rope variants (linear, dynamic, yarn, llama3) are not implemented: must be null.</summary>
    public JsonElement? RopeScaling { get; init; }
    /// <summary>q/k/v/o biases: the loader takes them when the checkpoint has them.</summary>
    public bool? AttentionBias { get; init; }
    /// <summary>MLP biases are not implemented: true is refused.</summary>
    public bool MlpBias { get; init; }
    /// <summary>Mistral (always) and Qwen2 (with use_sliding_window) attend only this many positions back; the runtime
    /// implements full attention, so the usable context is capped at the window.</summary>
    public int? SlidingWindow { get; init; }
    public bool? UseSlidingWindow { get; init; }
}

/// <summary>GPT-NeoX / Pythia (GPTNeoXForCausalLM): LayerNorm, partial rotary, parallel residual by default.</summary>
public sealed record NeoXHfConfig
{
    public required string ModelType { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int HiddenSize { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int IntermediateSize { get; init; }
    public required int VocabSize { get; init; }
    public int MaxPositionEmbeddings { get; init; } = 2048;
    public double LayerNormEps { get; init; } = 1e-5;
    public HfActivation HiddenAct { get; init; } = HfActivation.Gelu;
    public bool UseParallelResidual { get; init; } = true;
    public bool TieWordEmbeddings { get; init; }
    /// <summary>Fraction of each head that rotates; partial_rotary_factor is the newer name.</summary>
    public double? RotaryPct { get; init; }
    public double? PartialRotaryFactor { get; init; }
    /// <summary>Rotary base; rope_theta is the newer name.</summary>
    public double? RotaryEmbBase { get; init; }
    public double? RopeTheta { get; init; }
    public JsonElement? RopeScaling { get; init; }
    public bool? AttentionBias { get; init; }
}
