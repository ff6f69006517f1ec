// The architecture-neutral description of a decoder-only transformer, in TransformerLens's dimension
// names. Filled from a Hugging Face config.json by HfConfigReader; one record per loaded model.
namespace Interp.Models;

public enum NormKind { LayerNorm, RmsNorm }
public enum PositionKind { Learned, Rotary }
public enum ActivationKind { GeluNew, Gelu, Silu, Relu }

public sealed record ModelConfig
{
    public required string ModelType { get; init; }     // "gpt2", "llama", "mistral", "qwen2", "gpt_neox"
    public required int NLayers { get; init; }
    public required int DModel { get; init; }
    public required int NHeads { get; init; }
    public required int NKvHeads { get; init; }          // == NHeads unless grouped-query attention
    public required int DHead { get; init; }
    public required int DMlp { get; init; }
    public required int DVocab { get; init; }
    public required int NCtx { get; init; }
    public required double Eps { get; init; }
    public required NormKind Norm { get; init; }
    public required PositionKind Positions { get; init; }
    public required ActivationKind Act { get; init; }
    public required bool GatedMlp { get; init; }         // SwiGLU: act(gate)·up
    public required bool ParallelResidual { get; init; } // x + attn(ln1 x) + mlp(ln2 x)
    public required bool TiedEmbeddings { get; init; }
    public int RotaryDim { get; init; }                  // dims of each head that rotate (<= DHead)
    public double RopeTheta { get; init; } = 10000.0;

    /// <summary>Throws with a readable message when dimensions are inconsistent.</summary>
    public void Validate()
    {
        void Need(bool ok, string msg) { if (!ok) throw new ModelConfigException($"{ModelType}: {msg}"); }
        Need(NLayers > 0, $"n_layers must be positive (got {NLayers}).");
        Need(DModel > 0 && NHeads > 0 && DHead > 0, $"d_model, n_heads and d_head must be positive (got {DModel}, {NHeads}, {DHead}).");
        Need(NKvHeads > 0 && NHeads % NKvHeads == 0, $"n_heads ({NHeads}) must be a multiple of n_key_value_heads ({NKvHeads}).");
        Need(DVocab > 0 && NCtx > 0 && DMlp > 0, $"vocab, context and d_mlp must be positive (got {DVocab}, {NCtx}, {DMlp}).");
        Need(Positions != PositionKind.Rotary || (RotaryDim > 0 && RotaryDim <= DHead && RotaryDim % 2 == 0),
            $"rotary dims must be even and within d_head {DHead} (got {RotaryDim}).");
    }
}

public sealed class ModelConfigException(string message) : Exception(message);
