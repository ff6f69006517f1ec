// Writes a trained model as a Hugging Face checkpoint folder that ModelLoader (and transformers) open:
// config.json, model.safetensors (fp32 or fp16; GPT-2 keys under "transformer."), tokenizer.json copied.
// Not the training checkpoint extras (TrainCheckpoint).
using System.Text.Json;
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Models.Training;

public static class HfExport
{
    /// <summary>The key a Hugging Face checkpoint uses for a canonical parameter name.</summary>
    public static string HfName(string modelType, string canonical) =>
        modelType == "gpt2" && canonical != "lm_head.weight" ? "transformer." + canonical : canonical;

    /// <summary>Writes config.json, model.safetensors and tokenizer.json into <paramref name="dir"/> (created if needed).</summary>
    public static void Save(string dir, TrainConfig cfg, IReadOnlyDictionary<string, Tensor> weights, string tokenizerPath,
        int vocab, int? eosId, bool fp16, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Directory.CreateDirectory(dir);
        var hf = ModelInit.HfConfig(cfg, vocab, eosId, fp16);
        AtomicFile.WriteAllText(Path.Combine(dir, "config.json"), hf.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), "config.json");
        var meta = new Dictionary<string, string> { ["format"] = "pt" };
        if (metadata is not null) foreach (var (k, v) in metadata) meta[k] = v;
        using (TensorScope.Begin())
        using (Tensor.NoGrad())
        {
            var items = weights.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (HfName(cfg.ModelType, kv.Key), kv.Value.Detach())).ToList();
            SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"), items, meta, fp16 ? DType.F16 : null);
        }
        var tokSrc = TokenizerFile(tokenizerPath);
        var tokDst = Path.Combine(dir, "tokenizer.json");
        if (!string.Equals(Path.GetFullPath(tokSrc), Path.GetFullPath(tokDst), StringComparison.Ordinal)) AtomicFile.WriteAllBytes(tokDst, File.ReadAllBytes(tokSrc), "tokenizer.json");
    }

    /// <summary>The tokenizer.json a config's "tokenizer" names (the file itself, or tokenizer.json inside a folder).</summary>
    public static string TokenizerFile(string tokenizerPath)
    {
        if (File.Exists(tokenizerPath)) return tokenizerPath;
        var inner = Path.Combine(tokenizerPath, "tokenizer.json");
        if (Directory.Exists(tokenizerPath) && File.Exists(inner)) return inner;
        throw new FileNotFoundException($"tokenizer '{tokenizerPath}' is neither a tokenizer.json file nor a folder holding one; train one with `interp tokenizer train`.", tokenizerPath);
    }
}
