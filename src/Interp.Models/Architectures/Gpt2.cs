// GPT-2: learned positions, LayerNorm, fused Conv1D q|k|v stored [in, out], gelu_new MLP, tied unembedding.
using Interp.Tensors;

namespace Interp.Models;

public sealed class Gpt2 : TransformerArchitecture
{
    public Gpt2(ModelConfig cfg, IReadOnlyDictionary<string, Tensor> w) : base(cfg, w) { }

    public static IEnumerable<(string name, int[] shape)> ExpectedWeights(ModelConfig c)
    {
        int d = c.DModel, m = c.DMlp;
        yield return ("wte.weight", new[] { c.DVocab, d });
        yield return ("wpe.weight", new[] { c.NCtx, d });
        for (int l = 0; l < c.NLayers; l++)
        {
            string p = $"h.{l}.";
            yield return (p + "ln_1.weight", new[] { d }); yield return (p + "ln_1.bias", new[] { d });
            yield return (p + "attn.c_attn.weight", new[] { d, 3 * d }); yield return (p + "attn.c_attn.bias", new[] { 3 * d });
            yield return (p + "attn.c_proj.weight", new[] { d, d }); yield return (p + "attn.c_proj.bias", new[] { d });
            yield return (p + "ln_2.weight", new[] { d }); yield return (p + "ln_2.bias", new[] { d });
            yield return (p + "mlp.c_fc.weight", new[] { d, m }); yield return (p + "mlp.c_fc.bias", new[] { m });
            yield return (p + "mlp.c_proj.weight", new[] { m, d }); yield return (p + "mlp.c_proj.bias", new[] { d });
        }
        yield return ("ln_f.weight", new[] { d }); yield return ("ln_f.bias", new[] { d });
        if (!c.TiedEmbeddings) yield return ("lm_head.weight", new[] { c.DVocab, d });
    }

    /// <summary>Checkpoint key -> canonical name; null for buffers that are not parameters.</summary>
    public static string? Canonical(string key, ModelConfig c)
    {
        if (key.StartsWith("transformer.", StringComparison.Ordinal)) key = key["transformer.".Length..];
        if (key.EndsWith(".attn.bias", StringComparison.Ordinal) || key.EndsWith(".attn.masked_bias", StringComparison.Ordinal)) return null; // causal-mask buffers
        if (key == "lm_head.weight" && c.TiedEmbeddings) return null; // a saved copy of the tied wte
        return key;
    }

    public override WeightRoles Roles()
    {
        int d = Config.DModel, dh = Config.DHead;
        var layers = new List<LayerRoles>();
        for (int l = 0; l < Config.NLayers; l++)
        {
            string p = $"h.{l}.";
            var attnOut = new LinearRef(p + "attn.c_proj.weight", p + "attn.c_proj.bias", OutIn: false);
            layers.Add(new LayerRoles(
                new NormRole(p + "ln_1.weight", p + "ln_1.bias", [new LinearRef(p + "attn.c_attn.weight", p + "attn.c_attn.bias", false)]),
                new NormRole(p + "ln_2.weight", p + "ln_2.bias", [new LinearRef(p + "mlp.c_fc.weight", p + "mlp.c_fc.bias", false)]),
                [attnOut, new LinearRef(p + "mlp.c_proj.weight", p + "mlp.c_proj.bias", false)],
                new ValueBiasRole(p + "attn.c_attn.bias", Start: 2 * d, HeadStride: dh, attnOut))); // c_attn columns: [q | k | v], each [head][d_head]
        }
        var unembed = new LinearRef("lm_head.weight", "unembed.bias", OutIn: true); // as Unembed reads it
        return new WeightRoles([new LinearRef("wte.weight", null, false), new LinearRef("wpe.weight", null, false)], layers,
            new NormRole("ln_f.weight", "ln_f.bias", [unembed]), unembed, TiedTo: "wte.weight");
    }

    internal override Tensor Embed(Tensor tokens, HookRun run, int posOffset)
    {
        int b = tokens.Shape[0], t = tokens.Shape[1];
        var tok = run.At(HookTable.EmbedName, TensorOps.Embedding(W("wte.weight"), tokens));   // [batch, pos, d_model]
        var rows = W("wpe.weight").Narrow(0, posOffset, t);                                  // [pos, d_model]
        var pos = run.At(HookTable.PosEmbedName, rows.Expand(b, t, Config.DModel));              // [batch, pos, d_model]
        return tok + pos;
    }

    internal override (Tensor q, Tensor k, Tensor v) Qkv(int l, Tensor x)
    {
        int d = Config.DModel;
        var qkv = new Linear(W($"h.{l}.attn.c_attn.weight"), W($"h.{l}.attn.c_attn.bias"), OutIn: false).Forward(x); // [batch, pos, 3·d_model]
        var q = qkv.Narrow(-1, 0, d); var k = qkv.Narrow(-1, d, d); var v = qkv.Narrow(-1, 2 * d, d);
        return (Heads(q, Config.NHeads, Config.DHead), Heads(k, Config.NHeads, Config.DHead), Heads(v, Config.NHeads, Config.DHead));
    }

    internal override Tensor AttnOut(int l, Tensor z) => new Linear(W($"h.{l}.attn.c_proj.weight"), W($"h.{l}.attn.c_proj.bias"), OutIn: false).Forward(z);

    internal override Tensor MlpForward(int l, Tensor x, HookRun run) =>
        Mlp.Plain(x, new Linear(W($"h.{l}.mlp.c_fc.weight"), W($"h.{l}.mlp.c_fc.bias"), false),
                     new Linear(W($"h.{l}.mlp.c_proj.weight"), W($"h.{l}.mlp.c_proj.bias"), false), Config.Act, Hooks[l], run);

    internal override (Tensor? w, Tensor? b) Ln1(int l) => (Wopt($"h.{l}.ln_1.weight"), Wopt($"h.{l}.ln_1.bias"));
    internal override (Tensor? w, Tensor? b) Ln2(int l) => (Wopt($"h.{l}.ln_2.weight"), Wopt($"h.{l}.ln_2.bias"));
    internal override (Tensor? w, Tensor? b) LnFinal() => (Wopt("ln_f.weight"), Wopt("ln_f.bias"));

    internal override Tensor Unembed(Tensor x) =>
        new Linear(Wopt("lm_head.weight") ?? W("wte.weight"), Wopt("unembed.bias"), OutIn: true).Forward(x);
}
