// A GPT-2-small-shaped model with random weights, initialised like torch_reference.py (wte 0.02,
// wpe 0.01, projections 0.02, LayerNorm ones/zeros, biases zero). --quick uses 2 layers, as the script does.
using Interp.Models;
using Interp.Tensors;

namespace Interp.Host.Bench;

public static class Gpt2Small
{
    public static HookedTransformer Create(bool quick, int seed = 0) => Create(quick ? 2 : 12, 768, 12, 50257, 1024, seed);

    /// <summary>A GPT-2-shaped model of other dimensions (d_mlp = 4·d_model), initialised the same way.</summary>
    public static HookedTransformer Create(int layers, int d, int heads, int v, int p, int seed = 0)
    {
        int m = 4 * d;
        var cfg = new ModelConfig
        {
            ModelType = "gpt2", NLayers = layers, DModel = d, NHeads = heads, NKvHeads = heads, DHead = d / heads, DMlp = m, DVocab = v, NCtx = p,
            Eps = 1e-5, Norm = NormKind.LayerNorm, Positions = PositionKind.Learned, Act = ActivationKind.GeluNew,
            GatedMlp = false, ParallelResidual = false, TiedEmbeddings = true,
        };
        var rng = new Rng((ulong)seed);
        var w = new Dictionary<string, Tensor>
        {
            ["wte.weight"] = rng.Normal(new[] { v, d }, 0, 0.02),
            ["wpe.weight"] = rng.Normal(new[] { p, d }, 0, 0.01),
            ["ln_f.weight"] = Tensor.Ones(d), ["ln_f.bias"] = Tensor.Zeros(d),
        };
        for (int l = 0; l < layers; l++)
        {
            string h = $"h.{l}.";
            w[h + "ln_1.weight"] = Tensor.Ones(d); w[h + "ln_1.bias"] = Tensor.Zeros(d);
            w[h + "attn.c_attn.weight"] = rng.Normal(new[] { d, 3 * d }, 0, 0.02); w[h + "attn.c_attn.bias"] = Tensor.Zeros(3 * d);
            w[h + "attn.c_proj.weight"] = rng.Normal(new[] { d, d }, 0, 0.02); w[h + "attn.c_proj.bias"] = Tensor.Zeros(d);
            w[h + "ln_2.weight"] = Tensor.Ones(d); w[h + "ln_2.bias"] = Tensor.Zeros(d);
            w[h + "mlp.c_fc.weight"] = rng.Normal(new[] { d, m }, 0, 0.02); w[h + "mlp.c_fc.bias"] = Tensor.Zeros(m);
            w[h + "mlp.c_proj.weight"] = rng.Normal(new[] { m, d }, 0, 0.02); w[h + "mlp.c_proj.bias"] = Tensor.Zeros(d);
        }
        return new HookedTransformer(ModelLoader.Create(cfg, w));
    }

    public static Tensor Tokens(int batch, int pos, int vocab, int seed = 1) => new Rng((ulong)seed).RandInt(new[] { batch, pos }, 0, vocab);
}
