// The architecture-neutral description of a decoder-only transformer, in TransformerLens's dimension
// names. Filled from a Hugging Face config.json by HfConfigReader; one record per loaded model. Also estimates the
// memory a model of this shape needs (weights, activations), for the resource guard that runs before any allocation.
using Interp.Errors;

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

    /// <summary>Throws a ConfigException (naming <paramref name="source"/>) when dimensions are inconsistent.</summary>
    public void Validate(string? source = null)
    {
        void Need(bool ok, string msg) { if (!ok) throw new ConfigException($"{ModelType}: {msg.TrimEnd('.')}", source); }
        Need(NLayers > 0, $"n_layers must be positive (got {NLayers}).");
        Need(DModel > 0 && NHeads > 0 && DHead > 0, $"d_model, n_heads and d_head must be positive (got {DModel}, {NHeads}, {DHead}).");
        Need(NKvHeads > 0 && NHeads % NKvHeads == 0, $"n_heads ({NHeads}) must be a multiple of n_key_value_heads ({NKvHeads}).");
        Need(DVocab > 0 && NCtx > 0 && DMlp > 0, $"vocab, context and d_mlp must be positive (got {DVocab}, {NCtx}, {DMlp}).");
        Need(Positions != PositionKind.Rotary || (RotaryDim > 0 && RotaryDim <= DHead && RotaryDim % 2 == 0),
            $"rotary dims must be even and within d_head {DHead} (got {RotaryDim}).");
    }

    /// <summary>Parameters of a model of this shape (biases and norms included), as a double so that absurd configs
    /// (n_layer = 10^9) give a large number instead of overflowing.</summary>
    public double ParameterCount()
    {
        double d = DModel, h = NHeads, kv = NKvHeads, dh = DHead, m = DMlp, v = DVocab;
        double attn = d * (h + 2 * kv) * dh + (h + 2 * kv) * dh + h * dh * d + d;
        double mlp = (GatedMlp ? 3 : 2) * d * m + m + d;
        double norms = 4 * d;
        double embed = v * d + (Positions == PositionKind.Learned ? (double)NCtx * d : 0);
        double unembed = TiedEmbeddings ? 0 : v * d;
        return embed + (double)NLayers * (attn + mlp + norms) + 2 * d + unembed;
    }

    /// <summary>Bytes of the weights once loaded (float32).</summary>
    public double WeightBytes() => ParameterCount() * sizeof(float);

    /// <summary>Peak bytes of activations for one forward pass over [batch, pos] tokens: the residual stream and one
    /// layer's intermediates, plus every layer's when <paramref name="cacheAll"/> (run --hooks all), doubled for gradients.</summary>
    public double ActivationBytes(int batch, int pos, bool cacheAll = false, bool withGrad = false)
    {
        double tokens = (double)batch * pos;
        double perLayer = tokens * (8.0 * DModel + 4.0 * NHeads * DHead + 2.0 * NKvHeads * DHead + 3.0 * DMlp) + 2.0 * batch * NHeads * (double)pos * pos;
        double logits = tokens * DVocab * 2;   // logits and their softmax
        double total = (cacheAll ? NLayers * perLayer : 2 * perLayer) + logits;
        return (withGrad ? 2 * total : total) * sizeof(float);
    }
}
