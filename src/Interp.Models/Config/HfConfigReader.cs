// Reads a Hugging Face config.json into a ModelConfig. Each supported model_type has one mapping here;
// an unknown type fails with the list of supported ones.
using System.Text.Json;

namespace Interp.Models;

public static class HfConfigReader
{
    public static readonly string[] Supported = { "gpt2", "llama", "mistral", "qwen2", "gpt_neox" };

    public static ModelConfig Read(string configPath)
    {
        if (!File.Exists(configPath)) throw new ModelConfigException($"no config.json at '{configPath}': a Hugging Face checkpoint folder holds config.json and model.safetensors.");
        JsonElement root;
        try { root = JsonDocument.Parse(File.ReadAllText(configPath)).RootElement; }
        catch (JsonException e) { throw new ModelConfigException($"'{configPath}' is not valid JSON: {e.Message}"); }
        return Parse(root, configPath);
    }

    public static ModelConfig Parse(JsonElement c, string source = "config.json")
    {
        string type = Str(c, "model_type") ?? throw new ModelConfigException($"{source}: no \"model_type\"; supported: {string.Join(", ", Supported)}.");
        var cfg = type switch
        {
            "gpt2" => Gpt2(c),
            "llama" or "mistral" or "qwen2" => Llama(c, type),
            "gpt_neox" => NeoX(c),
            _ => throw new ModelConfigException($"{source}: model_type \"{type}\" is not supported; supported: {string.Join(", ", Supported)}."),
        };
        cfg.Validate();
        return cfg;
    }

    private static ModelConfig Gpt2(JsonElement c)
    {
        int d = Int(c, "n_embd"), h = Int(c, "n_head");
        int dh = HeadDim(d, h, "n_embd", "n_head");
        return new ModelConfig
        {
            ModelType = "gpt2", NLayers = Int(c, "n_layer"), DModel = d, NHeads = h, NKvHeads = h, DHead = dh,
            DMlp = IntOr(c, "n_inner", 4 * d), DVocab = Int(c, "vocab_size"), NCtx = IntOr(c, "n_positions", IntOr(c, "n_ctx", 1024)),
            Eps = DblOr(c, "layer_norm_epsilon", 1e-5), Norm = NormKind.LayerNorm, Positions = PositionKind.Learned,
            Act = Activation(Str(c, "activation_function") ?? "gelu_new"), GatedMlp = false, ParallelResidual = false,
            TiedEmbeddings = BoolOr(c, "tie_word_embeddings", true),
        };
    }

    private static ModelConfig Llama(JsonElement c, string type)
    {
        int d = Int(c, "hidden_size"), h = Int(c, "num_attention_heads");
        int dh = c.TryGetProperty("head_dim", out var hd) && hd.ValueKind == JsonValueKind.Number ? Int(c, "head_dim") : HeadDim(d, h, "hidden_size", "num_attention_heads");
        return new ModelConfig
        {
            ModelType = type, NLayers = Int(c, "num_hidden_layers"), DModel = d, NHeads = h, NKvHeads = IntOr(c, "num_key_value_heads", h),
            DHead = dh, DMlp = Int(c, "intermediate_size"), DVocab = Int(c, "vocab_size"), NCtx = IntOr(c, "max_position_embeddings", 2048),
            Eps = DblOr(c, "rms_norm_eps", 1e-6), Norm = NormKind.RmsNorm, Positions = PositionKind.Rotary,
            Act = Activation(Str(c, "hidden_act") ?? "silu"), GatedMlp = true, ParallelResidual = false,
            TiedEmbeddings = BoolOr(c, "tie_word_embeddings", false), RotaryDim = dh, RopeTheta = DblOr(c, "rope_theta", 10000.0),
        };
    }

    private static ModelConfig NeoX(JsonElement c)
    {
        int d = Int(c, "hidden_size"), h = Int(c, "num_attention_heads");
        int dh = HeadDim(d, h, "hidden_size", "num_attention_heads");
        return new ModelConfig
        {
            ModelType = "gpt_neox", NLayers = Int(c, "num_hidden_layers"), DModel = d, NHeads = h, NKvHeads = h, DHead = dh,
            DMlp = Int(c, "intermediate_size"), DVocab = Int(c, "vocab_size"), NCtx = IntOr(c, "max_position_embeddings", 2048),
            Eps = DblOr(c, "layer_norm_eps", 1e-5), Norm = NormKind.LayerNorm, Positions = PositionKind.Rotary,
            Act = Activation(Str(c, "hidden_act") ?? "gelu"), GatedMlp = false, ParallelResidual = BoolOr(c, "use_parallel_residual", true),
            TiedEmbeddings = BoolOr(c, "tie_word_embeddings", false),
            RotaryDim = (int)(dh * DblOr(c, "rotary_pct", 1.0)), RopeTheta = DblOr(c, "rotary_emb_base", DblOr(c, "rope_theta", 10000.0)),
        };
    }

    /// <summary>d_head = d_model / n_heads when the config does not give it; both must be positive and divide evenly.</summary>
    private static int HeadDim(int d, int h, string dKey, string hKey)
    {
        if (d <= 0 || h <= 0) throw new ModelConfigException($"config.json: \"{dKey}\" ({d}) and \"{hKey}\" ({h}) must be positive.");
        if (d % h != 0) throw new ModelConfigException($"config.json: \"{dKey}\" ({d}) is not divisible by \"{hKey}\" ({h}); each head needs a whole number of dimensions (d_head = {dKey} / {hKey}).");
        return d / h;
    }

    private static ActivationKind Activation(string s) => s switch
    {
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => ActivationKind.GeluNew,
        "gelu" => ActivationKind.Gelu,
        "silu" or "swish" => ActivationKind.Silu,
        "relu" => ActivationKind.Relu,
        _ => throw new ModelConfigException($"activation \"{s}\" is not supported; supported: gelu_new, gelu_pytorch_tanh, gelu, silu, relu."),
    };

    private static string? Str(JsonElement c, string k) => c.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int Int(JsonElement c, string k) =>
        c.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i
        : throw new ModelConfigException($"config.json: \"{k}\" is missing or not an integer.");

    private static int IntOr(JsonElement c, string k, int dflt) =>
        c.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : dflt;

    private static double DblOr(JsonElement c, string k, double dflt) =>
        c.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : dflt;

    private static bool BoolOr(JsonElement c, string k, bool dflt) =>
        c.TryGetProperty(k, out var v) && (v.ValueKind == JsonValueKind.True || v.ValueKind == JsonValueKind.False) ? v.GetBoolean() : dflt;
}
