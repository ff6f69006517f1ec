// GPT-NeoX (Pythia): fused per-head [q | k | v] projection, partial rotary (rotary_pct), parallel residual
// x + attn(ln1 x) + mlp(ln2 x) (so no hook_resid_mid), exact GELU, untied embed_out.
using Interp.Tensors;

namespace Interp.Models;

public sealed class GptNeoX : TransformerArchitecture
{
    public GptNeoX(ModelConfig cfg, IReadOnlyDictionary<string, Tensor> w) : base(cfg, w) { }

    public static IEnumerable<(string name, int[] shape)> ExpectedWeights(ModelConfig c)
    {
        int d = c.DModel, m = c.DMlp;
        yield return ("gpt_neox.embed_in.weight", new[] { c.DVocab, d });
        for (int l = 0; l < c.NLayers; l++)
        {
            string p = $"gpt_neox.layers.{l}.";
            yield return (p + "input_layernorm.weight", new[] { d }); yield return (p + "input_layernorm.bias", new[] { d });
            yield return (p + "post_attention_layernorm.weight", new[] { d }); yield return (p + "post_attention_layernorm.bias", new[] { d });
            yield return (p + "attention.query_key_value.weight", new[] { 3 * d, d }); yield return (p + "attention.query_key_value.bias", new[] { 3 * d });
            yield return (p + "attention.dense.weight", new[] { d, d }); yield return (p + "attention.dense.bias", new[] { d });
            yield return (p + "mlp.dense_h_to_4h.weight", new[] { m, d }); yield return (p + "mlp.dense_h_to_4h.bias", new[] { m });
            yield return (p + "mlp.dense_4h_to_h.weight", new[] { d, m }); yield return (p + "mlp.dense_4h_to_h.bias", new[] { d });
        }
        yield return ("gpt_neox.final_layer_norm.weight", new[] { d }); yield return ("gpt_neox.final_layer_norm.bias", new[] { d });
        yield return ("embed_out.weight", new[] { c.DVocab, d });
    }

    public static string? Canonical(string key, ModelConfig c)
    {
        if (key.EndsWith(".attention.bias", StringComparison.Ordinal) || key.EndsWith(".attention.masked_bias", StringComparison.Ordinal)
            || key.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal)) return null; // buffers
        if (key == "embed_out.weight") return key;
        return key.StartsWith("gpt_neox.", StringComparison.Ordinal) ? key : "gpt_neox." + key;
    }

    private Linear Lin(string name) => new(W(name + ".weight"), Wopt(name + ".bias"), OutIn: true);

    public override WeightRoles Roles()
    {
        int dh = Config.DHead;
        var layers = new List<LayerRoles>();
        for (int l = 0; l < Config.NLayers; l++)
        {
            string p = $"gpt_neox.layers.{l}.";
            LinearRef R(string name) => new(name + ".weight", name + ".bias", OutIn: true);
            var dense = R(p + "attention.dense");
            layers.Add(new LayerRoles(
                new NormRole(p + "input_layernorm.weight", p + "input_layernorm.bias", [R(p + "attention.query_key_value")]),
                new NormRole(p + "post_attention_layernorm.weight", p + "post_attention_layernorm.bias", [R(p + "mlp.dense_h_to_4h")]),
                [dense, R(p + "mlp.dense_4h_to_h")],
                new ValueBiasRole(p + "attention.query_key_value.bias", Start: 2 * dh, HeadStride: 3 * dh, dense))); // rows [head][q|k|v][d_head]
        }
        var unembed = new LinearRef("embed_out.weight", "unembed.bias", OutIn: true);
        return new WeightRoles([new LinearRef("gpt_neox.embed_in.weight", null, false)], layers,
            new NormRole("gpt_neox.final_layer_norm.weight", "gpt_neox.final_layer_norm.bias", [unembed]), unembed, TiedTo: null);
    }

    internal override Tensor Embed(Tensor tokens, HookRun run, int posOffset) =>
        run.At(HookTable.EmbedName, TensorOps.Embedding(W("gpt_neox.embed_in.weight"), tokens));

    internal override (Tensor q, Tensor k, Tensor v) Qkv(int l, Tensor x)
    {
        var qkv = Lin($"gpt_neox.layers.{l}.attention.query_key_value").Forward(x);       // [batch, pos, 3·d_model]
        var per = qkv.Reshape(qkv.Shape[0], qkv.Shape[1], Config.NHeads, 3, Config.DHead); // [batch, pos, head, 3, d_head]
        return (per.Select(3, 0), per.Select(3, 1), per.Select(3, 2));
    }

    internal override Tensor AttnOut(int l, Tensor z) => Lin($"gpt_neox.layers.{l}.attention.dense").Forward(z);

    internal override Tensor MlpForward(int l, Tensor x, HookRun run)
    {
        string p = $"gpt_neox.layers.{l}.mlp.";
        return Mlp.Plain(x, Lin(p + "dense_h_to_4h"), Lin(p + "dense_4h_to_h"), Config.Act, Hooks[l], run);
    }

    internal override (Tensor? w, Tensor? b) Ln1(int l) => (Wopt($"gpt_neox.layers.{l}.input_layernorm.weight"), Wopt($"gpt_neox.layers.{l}.input_layernorm.bias"));
    internal override (Tensor? w, Tensor? b) Ln2(int l) => (Wopt($"gpt_neox.layers.{l}.post_attention_layernorm.weight"), Wopt($"gpt_neox.layers.{l}.post_attention_layernorm.bias"));
    internal override (Tensor? w, Tensor? b) LnFinal() => (Wopt("gpt_neox.final_layer_norm.weight"), Wopt("gpt_neox.final_layer_norm.bias"));

    internal override Tensor Unembed(Tensor x) => new Linear(W("embed_out.weight"), Wopt("unembed.bias"), OutIn: true).Forward(x);

    /// <summary>Parallel residual: resid_post = resid_pre + attn(ln1 resid_pre) + mlp(ln2 resid_pre).</summary>
    internal override Tensor Block(int l, Tensor resid, HookRun run, int posOffset, KvCache.Layer? kv)
    {
        if (!Config.ParallelResidual) return base.Block(l, resid, run, posOffset, kv);   // use_parallel_residual: false
        var h = Hooks[l];
        resid = run.At(h.ResidPre, resid);
        var attn = run.At(h.AttnOut, AttentionSublayer(l, resid, run, posOffset, kv));
        var mlp = run.At(h.MlpOut, MlpSublayer(l, resid, run));
        return run.At(h.ResidPost, resid + attn + mlp);
    }
}
