// Llama family (llama, mistral, qwen2): RMSNorm, rotary q/k, grouped-query attention, SwiGLU MLP,
// nn.Linear weights stored [out, in], optional q/k/v biases (qwen2), tied or untied unembedding.
using Interp.Tensors;

namespace Interp.Models;

public sealed class Llama : TransformerArchitecture
{
    public Llama(ModelConfig cfg, IReadOnlyDictionary<string, Tensor> w) : base(cfg, w) { }

    public static IEnumerable<(string name, int[] shape)> ExpectedWeights(ModelConfig c, Func<string, bool> present)
    {
        int d = c.DModel, m = c.DMlp, qd = c.NHeads * c.DHead, kvd = c.NKvHeads * c.DHead;
        yield return ("model.embed_tokens.weight", new[] { c.DVocab, d });
        for (int l = 0; l < c.NLayers; l++)
        {
            string p = $"model.layers.{l}.";
            yield return (p + "input_layernorm.weight", new[] { d });
            yield return (p + "self_attn.q_proj.weight", new[] { qd, d });
            yield return (p + "self_attn.k_proj.weight", new[] { kvd, d });
            yield return (p + "self_attn.v_proj.weight", new[] { kvd, d });
            if (c.ModelType == "qwen2" || present(p + "self_attn.q_proj.bias"))
            {
                yield return (p + "self_attn.q_proj.bias", new[] { qd });
                yield return (p + "self_attn.k_proj.bias", new[] { kvd });
                yield return (p + "self_attn.v_proj.bias", new[] { kvd });
            }
            yield return (p + "self_attn.o_proj.weight", new[] { d, qd });
            yield return (p + "post_attention_layernorm.weight", new[] { d });
            yield return (p + "mlp.gate_proj.weight", new[] { m, d });
            yield return (p + "mlp.up_proj.weight", new[] { m, d });
            yield return (p + "mlp.down_proj.weight", new[] { d, m });
        }
        yield return ("model.norm.weight", new[] { d });
        if (!c.TiedEmbeddings) yield return ("lm_head.weight", new[] { c.DVocab, d });
    }

    public static string? Canonical(string key, ModelConfig c)
    {
        if (key.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal)) return null; // recomputed from rope_theta
        if (key == "lm_head.weight") return c.TiedEmbeddings ? null : key;
        return key.StartsWith("model.", StringComparison.Ordinal) ? key : "model." + key;
    }

    public override WeightRoles Roles()
    {
        var layers = new List<LayerRoles>();
        for (int l = 0; l < Config.NLayers; l++)
        {
            string a = $"model.layers.{l}.self_attn.", m = $"model.layers.{l}.mlp.";
            LinearRef R(string name) => new(name + ".weight", name + ".bias", OutIn: true); // biases optional, as Lin reads them
            var oProj = R(a + "o_proj");
            layers.Add(new LayerRoles(
                new NormRole($"model.layers.{l}.input_layernorm.weight", null, [R(a + "q_proj"), R(a + "k_proj"), R(a + "v_proj")]),
                new NormRole($"model.layers.{l}.post_attention_layernorm.weight", null, [R(m + "gate_proj"), R(m + "up_proj")]),
                [oProj, R(m + "down_proj")],
                new ValueBiasRole(a + "v_proj.bias", Start: 0, HeadStride: Config.DHead, oProj)));
        }
        var unembed = new LinearRef("lm_head.weight", "unembed.bias", OutIn: true); // as Unembed reads it
        return new WeightRoles([new LinearRef("model.embed_tokens.weight", null, false)], layers,
            new NormRole("model.norm.weight", null, [unembed]), unembed, TiedTo: "model.embed_tokens.weight");
    }

    internal override Tensor Embed(Tensor tokens, HookRun run, int posOffset) =>
        run.At(HookTable.EmbedName, TensorOps.Embedding(W("model.embed_tokens.weight"), tokens));

    private Linear Lin(string name) => new(W(name + ".weight"), Wopt(name + ".bias"), OutIn: true);

    internal override (Tensor q, Tensor k, Tensor v) Qkv(int l, Tensor x)
    {
        string p = $"model.layers.{l}.self_attn.";
        var q = Lin(p + "q_proj").Forward(x);
        var k = Lin(p + "k_proj").Forward(x);
        var v = Lin(p + "v_proj").Forward(x);
        return (Heads(q, Config.NHeads, Config.DHead), Heads(k, Config.NKvHeads, Config.DHead), Heads(v, Config.NKvHeads, Config.DHead));
    }

    internal override Tensor AttnOut(int l, Tensor z) => Lin($"model.layers.{l}.self_attn.o_proj").Forward(z);

    internal override Tensor MlpForward(int l, Tensor x, HookRun run)
    {
        string p = $"model.layers.{l}.mlp.";
        return Mlp.Gated(x, Lin(p + "gate_proj"), Lin(p + "up_proj"), Lin(p + "down_proj"), Config.Act, Hooks[l], run);
    }

    internal override (Tensor? w, Tensor? b) Ln1(int l) => (Wopt($"model.layers.{l}.input_layernorm.weight"), null);
    internal override (Tensor? w, Tensor? b) Ln2(int l) => (Wopt($"model.layers.{l}.post_attention_layernorm.weight"), null);
    internal override (Tensor? w, Tensor? b) LnFinal() => (Wopt("model.norm.weight"), null);

    internal override Tensor Unembed(Tensor x) =>
        new Linear(Wopt("lm_head.weight") ?? W("model.embed_tokens.weight"), Wopt("unembed.bias"), OutIn: true).Forward(x);
}
