// Reads a Hugging Face config.json into a ModelConfig: model_type picks the family's typed record (HfConfigJson.cs),
// ConfigJson checks keys and types (unknown keys name the nearest known one; HfConfigKeys lists the ones real files
// carry that this runtime ignores), then the record is mapped and its dimensions checked. Every problem is a ConfigException.
using System.Text.Json;
using Interp.Config;
using Interp.Errors;
using Interp.Tensors.IO;

namespace Interp.Models;

public static class HfConfigReader
{
    public static readonly string[] Supported = { "gpt2", "llama", "mistral", "qwen2", "gpt_neox" };

    public static ModelConfig Read(string configPath)
    {
        if (FileKinds.Of(configPath) == FileKind.Missing)
            throw new ConfigException("no config.json", configPath, null, "a Hugging Face checkpoint folder holds config.json and model.safetensors");
        string text = InputFiles.ReadAllText(configPath, "config.json");
        using var doc = ConfigJson.ParseDocument(text, configPath);
        return Parse(doc.RootElement, configPath);
    }

    public static ModelConfig Parse(JsonElement c, string source = "config.json")
    {
        if (c.ValueKind != JsonValueKind.Object)
            throw new ConfigException($"config.json holds {(c.ValueKind == JsonValueKind.Array ? "an array" : "a " + c.ValueKind.ToString().ToLowerInvariant())}; expected a JSON object of settings", source);
        if (!c.TryGetProperty("model_type", out var mt))
            throw new ConfigException("config.json has no \"model_type\"", source, "model_type", $"add \"model_type\": one of {string.Join(", ", Supported)}");
        if (mt.ValueKind != JsonValueKind.String)
            throw new ConfigException($"\"model_type\" is {mt.GetRawText()}; expected a string", source, "model_type", $"use one of {string.Join(", ", Supported)}");
        string type = mt.GetString()!;
        var cfg = type switch
        {
            "gpt2" => Map(ConfigJson.FromElement<Gpt2HfConfig>(c, source, Rules(type, HfConfigKeys.Gpt2)), source),
            "llama" or "mistral" or "qwen2" => Map(ConfigJson.FromElement<LlamaHfConfig>(c, source, Rules(type, HfConfigKeys.Llama)), source),
            "gpt_neox" => Map(ConfigJson.FromElement<NeoXHfConfig>(c, source, Rules(type, HfConfigKeys.NeoX)), source),
            _ => throw new ConfigException($"model_type \"{type}\" is not supported", source, "model_type",
                $"supported: {string.Join(", ", Supported)}{Near(type)}"),
        };
        cfg.Validate(source);
        return cfg;
    }

    private static ConfigRules Rules(string type, IReadOnlySet<string> ignored) => new(ignored, $"model_type \"{type}\"");

    private static string Near(string type) => $" (nearest: {NameSuggestions.Nearest(Supported, type, 1).First()})";

    private static ModelConfig Map(Gpt2HfConfig c, string source)
    {
        if (!c.ScaleAttnWeights) throw Unsupported(source, "scale_attn_weights", "false", "attention here always divides by sqrt(d_head)");
        if (c.ScaleAttnByInverseLayerIdx) throw Unsupported(source, "scale_attn_by_inverse_layer_idx", "true", "it is not implemented");
        Positive(source, (c.NLayer, "n_layer"), (c.VocabSize, "vocab_size"), (c.NPositions ?? 1, "n_positions"), (c.NCtx ?? 1, "n_ctx"), (c.NInner ?? 1, "n_inner"));
        int dh = HeadDim(c.NEmbd, c.NHead, "n_embd", "n_head", source);
        return new ModelConfig
        {
            ModelType = "gpt2", NLayers = c.NLayer, DModel = c.NEmbd, NHeads = c.NHead, NKvHeads = c.NHead, DHead = dh,
            DMlp = c.NInner ?? Times(4, c.NEmbd, "n_embd", source), DVocab = c.VocabSize, NCtx = c.NPositions ?? c.NCtx ?? 1024,
            Eps = c.LayerNormEpsilon, Norm = NormKind.LayerNorm, Positions = PositionKind.Learned,
            Act = Activation(c.ActivationFunction), GatedMlp = false, ParallelResidual = false, TiedEmbeddings = c.TieWordEmbeddings,
        };
    }

    private static ModelConfig Map(LlamaHfConfig c, string source)
    {
        if (c.RopeScaling is { ValueKind: not JsonValueKind.Null } rs)
            throw Unsupported(source, "rope_scaling", rs.GetRawText(), "long-context rotary variants are not implemented; remove it or set it to null");
        if (c.MlpBias) throw Unsupported(source, "mlp_bias", "true", "MLP biases are not implemented for this family");
        Positive(source, (c.NumHiddenLayers, "num_hidden_layers"), (c.VocabSize, "vocab_size"), (c.IntermediateSize, "intermediate_size"),
            (c.MaxPositionEmbeddings, "max_position_embeddings"), (c.HeadDim ?? 1, "head_dim"), (c.NumKeyValueHeads ?? 1, "num_key_value_heads"));
        if (c.NumKeyValueHeads is { } kv && c.NumAttentionHeads % kv != 0)
            throw new ConfigException($"\"num_attention_heads\" ({c.NumAttentionHeads}) is not a multiple of \"num_key_value_heads\" ({kv})", source, "num_key_value_heads",
                "each key/value head must serve a whole number of query heads");
        int dh = c.HeadDim ?? HeadDim(c.HiddenSize, c.NumAttentionHeads, "hidden_size", "num_attention_heads", source);
        int nCtx = c.MaxPositionEmbeddings;
        bool windowed = c.ModelType == "mistral" ? c.SlidingWindow is not null : c.UseSlidingWindow == true && c.SlidingWindow is not null;
        if (windowed && c.SlidingWindow is { } w && w < nCtx)
        {
            if (w < 1) throw new ConfigException($"\"sliding_window\" is {w}; expected a positive integer", source, "sliding_window");
            nCtx = w;   // full attention equals sliding-window attention up to the window
        }
        return new ModelConfig
        {
            ModelType = c.ModelType, NLayers = c.NumHiddenLayers, DModel = c.HiddenSize, NHeads = c.NumAttentionHeads,
            NKvHeads = c.NumKeyValueHeads ?? c.NumAttentionHeads, DHead = dh, DMlp = c.IntermediateSize, DVocab = c.VocabSize, NCtx = nCtx,
            Eps = c.RmsNormEps, Norm = NormKind.RmsNorm, Positions = PositionKind.Rotary, Act = Activation(c.HiddenAct), GatedMlp = true,
            ParallelResidual = false, TiedEmbeddings = c.TieWordEmbeddings, RotaryDim = dh, RopeTheta = c.RopeTheta,
        };
    }

    private static ModelConfig Map(NeoXHfConfig c, string source)
    {
        if (c.RopeScaling is { ValueKind: not JsonValueKind.Null } rs)
            throw Unsupported(source, "rope_scaling", rs.GetRawText(), "long-context rotary variants are not implemented; remove it or set it to null");
        Positive(source, (c.NumHiddenLayers, "num_hidden_layers"), (c.VocabSize, "vocab_size"), (c.IntermediateSize, "intermediate_size"),
            (c.MaxPositionEmbeddings, "max_position_embeddings"));
        int dh = HeadDim(c.HiddenSize, c.NumAttentionHeads, "hidden_size", "num_attention_heads", source);
        double pct = Same(c.RotaryPct, c.PartialRotaryFactor, "rotary_pct", "partial_rotary_factor", source) ?? 1.0;
        if (!(pct > 0 && pct <= 1)) throw new ConfigException($"\"rotary_pct\" is {pct}; expected a fraction in (0, 1]", source, "rotary_pct");
        return new ModelConfig
        {
            ModelType = "gpt_neox", NLayers = c.NumHiddenLayers, DModel = c.HiddenSize, NHeads = c.NumAttentionHeads, NKvHeads = c.NumAttentionHeads,
            DHead = dh, DMlp = c.IntermediateSize, DVocab = c.VocabSize, NCtx = c.MaxPositionEmbeddings, Eps = c.LayerNormEps,
            Norm = NormKind.LayerNorm, Positions = PositionKind.Rotary, Act = Activation(c.HiddenAct), GatedMlp = false,
            ParallelResidual = c.UseParallelResidual, TiedEmbeddings = c.TieWordEmbeddings, RotaryDim = (int)(dh * pct),
            RopeTheta = Same(c.RotaryEmbBase, c.RopeTheta, "rotary_emb_base", "rope_theta", source) ?? 10000.0,
        };
    }

    private static void Positive(string source, params (int value, string key)[] dims)
    {
        foreach (var (v, k) in dims)
            if (v <= 0) throw new ConfigException($"\"{k}\" is {v}; it must be positive", source, k);
    }

    /// <summary>Two spellings of one setting: either, or both when they agree.</summary>
    private static double? Same(double? a, double? b, string aKey, string bKey, string source)
    {
        if (a is { } x && b is { } y && x != y)
            throw new ConfigException($"config.json gives \"{aKey}\" = {x} and \"{bKey}\" = {y}, two names for one setting", source, aKey, "keep one");
        return a ?? b;
    }

    /// <summary>d_head = d_model / n_heads when the config does not give it; both must be positive and divide evenly.</summary>
    private static int HeadDim(int d, int h, string dKey, string hKey, string source)
    {
        if (d <= 0 || h <= 0) throw new ConfigException($"\"{dKey}\" ({d}) and \"{hKey}\" ({h}) must be positive", source, d <= 0 ? dKey : hKey);
        if (d % h != 0)
            throw new ConfigException($"\"{dKey}\" ({d}) is not divisible by \"{hKey}\" ({h})", source, hKey,
                $"each head needs a whole number of dimensions (d_head = {dKey} / {hKey})");
        return d / h;
    }

    private static int Times(int k, int v, string key, string source) =>
        (long)k * v <= int.MaxValue ? k * v : throw new ConfigException($"\"{key}\" = {v} is too large ({k} x {key} overflows)", source, key);

    private static ConfigException Unsupported(string source, string key, string value, string why) =>
        new($"\"{key}\" = {value} is not supported", source, key, why);

    private static ActivationKind Activation(HfActivation a) => a switch
    {
        HfActivation.GeluNew or HfActivation.GeluPytorchTanh or HfActivation.GeluFast => ActivationKind.GeluNew,
        HfActivation.Gelu => ActivationKind.Gelu,
        HfActivation.Silu or HfActivation.Swish => ActivationKind.Silu,
        _ => ActivationKind.Relu,
    };
}
