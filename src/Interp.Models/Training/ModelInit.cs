// A freshly initialised model for training: the Hugging Face config.json a TrainConfig describes (so training
// and later loading read the very same ModelConfig), and GPT-2-style weights drawn from a seeded Rng.
// Not the optimizer or the loop (Trainer).
using System.Text.Json.Nodes;
using Interp.Tensors;

namespace Interp.Models.Training;

public static class ModelInit
{
    /// <summary>Std of every embedding and linear weight (GPT-2's initializer_range).</summary>
    public const double InitStd = 0.02;

    /// <summary>The config.json of the model <paramref name="cfg"/> describes, for a vocabulary of <paramref name="vocab"/> ids.</summary>
    public static JsonObject HfConfig(TrainConfig cfg, int vocab, int? eosId, bool fp16)
    {
        string dtype = fp16 ? "float16" : "float32";
        if (cfg.Arch == TrainArch.Gpt2)
            return new JsonObject
            {
                ["architectures"] = new JsonArray("GPT2LMHeadModel"), ["model_type"] = "gpt2", ["vocab_size"] = vocab,
                ["n_positions"] = cfg.NCtx, ["n_ctx"] = cfg.NCtx, ["n_embd"] = cfg.DModel, ["n_layer"] = cfg.NLayers, ["n_head"] = cfg.NHeads,
                ["n_inner"] = cfg.ResolvedDMlp, ["activation_function"] = "gelu_new", ["layer_norm_epsilon"] = 1e-5,
                ["resid_pdrop"] = 0.0, ["embd_pdrop"] = 0.0, ["attn_pdrop"] = 0.0, ["initializer_range"] = InitStd,
                ["tie_word_embeddings"] = cfg.TieEmbeddings, ["bos_token_id"] = eosId, ["eos_token_id"] = eosId, ["torch_dtype"] = dtype,
            };
        return new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"), ["model_type"] = "llama", ["vocab_size"] = vocab,
            ["hidden_size"] = cfg.DModel, ["intermediate_size"] = cfg.ResolvedDMlp, ["num_hidden_layers"] = cfg.NLayers,
            ["num_attention_heads"] = cfg.NHeads, ["num_key_value_heads"] = cfg.ResolvedNKvHeads, ["head_dim"] = cfg.DModel / cfg.NHeads,
            ["max_position_embeddings"] = cfg.NCtx, ["rms_norm_eps"] = 1e-5, ["rope_theta"] = cfg.RopeTheta, ["hidden_act"] = "silu",
            ["attention_bias"] = false, ["mlp_bias"] = false, ["initializer_range"] = InitStd, ["tie_word_embeddings"] = cfg.TieEmbeddings,
            ["bos_token_id"] = eosId, ["eos_token_id"] = eosId, ["torch_dtype"] = dtype,
        };
    }

    /// <summary>The ModelConfig that ModelLoader will read back from <see cref="HfConfig"/>.</summary>
    public static ModelConfig ModelConfigOf(TrainConfig cfg, int vocab)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(HfConfig(cfg, vocab, null, false).ToJsonString());
        return HfConfigReader.Parse(doc.RootElement, "generated config.json");
    }

    /// <summary>Parameter names and shapes, in the architecture's canonical order (the order of every Rng draw).</summary>
    public static IReadOnlyList<(string Name, int[] Shape)> ParameterShapes(ModelConfig c) => c.ModelType switch
    {
        "gpt2" => Gpt2.ExpectedWeights(c).ToList(),
        "llama" => Llama.ExpectedWeights(c, _ => false).ToList(),
        _ => throw new ArgumentException($"training supports gpt2 and llama; got model_type \"{c.ModelType}\"."),
    };

    /// <summary>True for the projections that write into the residual stream (scaled init, as GPT-2).</summary>
    public static bool IsResidualWriter(string name) =>
        name.EndsWith("attn.c_proj.weight", StringComparison.Ordinal) || name.EndsWith("mlp.c_proj.weight", StringComparison.Ordinal)
        || name.EndsWith("self_attn.o_proj.weight", StringComparison.Ordinal) || name.EndsWith("mlp.down_proj.weight", StringComparison.Ordinal);

    /// <summary>True for token/position embeddings (no weight decay; the tied unembedding is the token embedding).</summary>
    public static bool IsEmbedding(string name) => name is "wte.weight" or "wpe.weight" or "model.embed_tokens.weight";

    /// <summary>
    /// Weights for <paramref name="c"/>: matrices and embeddings ~ N(0, 0.02²), residual writers ~ N(0, (0.02/√(2·n_layers))²),
    /// norm scales 1, biases 0. Drawn in <see cref="ParameterShapes"/> order from Rng(<paramref name="seed"/>).
    /// </summary>
    public static Dictionary<string, Tensor> Create(ModelConfig c, ulong seed)
    {
        var rng = new Rng(seed);
        double residStd = InitStd / Math.Sqrt(2.0 * c.NLayers);
        var w = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, shape) in ParameterShapes(c))
        {
            Tensor t;
            if (shape.Length == 1) t = name.EndsWith(".bias", StringComparison.Ordinal) ? Tensor.Zeros(shape) : Tensor.Ones(shape);
            else t = rng.Normal(shape, 0, IsResidualWriter(name) ? residStd : InitStd);
            w[name] = t;
        }
        return w;
    }
}
