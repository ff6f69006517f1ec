// What each weight does in the residual-stream picture, declared per architecture: which linear layers
// read each norm's output, which matrices write to the residual stream, where the value biases and the
// unembedding live. Data only; WeightProcessor runs the TransformerLens algorithms over it.
namespace Interp.Models;

/// <summary>A matrix y = x·W (+ b) with W stored [in, out] (<paramref name="OutIn"/> false, GPT-2 Conv1D,
/// embedding tables [rows, d_model]) or [out, in] (nn.Linear). <paramref name="Bias"/> names the bias even
/// when the checkpoint has none (processing may create it there); null where the layer can never take one.</summary>
public sealed record LinearRef(string Weight, string? Bias, bool OutIn);

/// <summary>A norm (weight, optional LayerNorm bias) and every linear layer that reads its output
/// (their input axis is d_model).</summary>
public sealed record NormRole(string Weight, string? Bias, IReadOnlyList<LinearRef> Readers);

/// <summary>Where one layer's value bias sits and the output projection it flows through.
/// b_V for kv head g, dim j is <c>Bias[Start + g·HeadStride + j]</c> (fused q|k|v biases keep q and k
/// elsewhere in the same vector); <see cref="Output"/> reads z [heads·d_head] and writes d_model.</summary>
public sealed record ValueBiasRole(string Bias, int Start, int HeadStride, LinearRef Output);

/// <param name="Writers">matrices whose output axis is the residual stream (attention out, MLP out)</param>
public sealed record LayerRoles(NormRole Ln1, NormRole Ln2, IReadOnlyList<LinearRef> Writers, ValueBiasRole Values);

/// <param name="Embeddings">token and (learned) position tables [rows, d_model], written to the residual stream</param>
/// <param name="Unembed">reads ln_final's output; its output axis is the vocabulary</param>
/// <param name="TiedTo">the table Unembed.Weight falls back to while it is absent (tied embeddings), else null</param>
public sealed record WeightRoles(IReadOnlyList<LinearRef> Embeddings, IReadOnlyList<LayerRoles> Layers,
    NormRole LnFinal, LinearRef Unembed, string? TiedTo);
