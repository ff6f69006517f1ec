// Opens a Hugging Face checkpoint folder (config.json + model.safetensors or a sharded index) as a HookedTransformer.
// Checks where the values enter: exactly the files the HF layout names (never another *.safetensors found there), the
// memory the config implies (before allocating), floating-point dtypes, every tensor present and shaped as the config
// says, and finite weights (allowNonFinite to override). Keys are normalised per architecture.
using Interp.Errors;
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Models;

public static class ModelLoader
{
    /// <summary>Loads <paramref name="dir"/>. Non-finite weights are an error unless <paramref name="allowNonFinite"/>;
    /// then <paramref name="warn"/> (default: stderr) is told how many there are.</summary>
    public static HookedTransformer Load(string dir, WeightProcessing? processing = null, bool allowNonFinite = false, Action<string>? warn = null)
    {
        var kind = FileKinds.Of(dir);
        if (kind == FileKind.Missing)
            throw new DirectoryNotFoundException($"model folder '{dir}' does not exist; expected a Hugging Face checkpoint folder (config.json + model.safetensors).");
        if (kind != FileKind.Directory)
            throw new InterpException($"the model path is {FileKinds.Describe(kind)}, not a folder", dir, "pass the checkpoint folder (config.json + model.safetensors)");
        string configPath = Path.Combine(dir, "config.json");
        var cfg = HfConfigReader.Read(configPath);
        MemoryBudget.EnsureFits(cfg.WeightBytes(), $"the weights of this {cfg.ModelType} model ({cfg.ParameterCount():N0} parameters per config.json)", configPath,
            "check n_layer / hidden sizes in config.json, or use a machine with more memory");
        using var store = SafetensorsStore.Open(CheckpointFile(dir));
        var keys = store.Names.ToList();
        if (cfg.NLayers > keys.Count)
            throw new InterpException($"config.json says {cfg.NLayers} layers but the checkpoint holds only {keys.Count} tensors", store.Path,
                "does config.json belong to these weights?", ErrorKind.Format);

        Func<string, ModelConfig, string?> canonical = cfg.ModelType switch
        {
            "gpt2" => Gpt2.Canonical,
            "gpt_neox" => GptNeoX.Canonical,
            _ => Llama.Canonical,
        };
        var byCanon = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var k in keys) if (canonical(k, cfg) is { } c) byCanon[c] = k;
        var expected = cfg.ModelType switch
        {
            "gpt2" => Gpt2.ExpectedWeights(cfg).ToList(),
            "gpt_neox" => GptNeoX.ExpectedWeights(cfg).ToList(),
            _ => Llama.ExpectedWeights(cfg, byCanon.ContainsKey).ToList(),
        };
        var missing = expected.Where(e => !byCanon.ContainsKey(e.name)).Select(e => e.name).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{store.Path}: checkpoint lacks {missing.Count} tensor(s) a {cfg.ModelType} model with this config needs: {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", ..." : "")}.");
        var expectedNames = expected.Select(e => e.name).ToHashSet();
        var unexpected = byCanon.Keys.Where(k => !expectedNames.Contains(k)).ToList();
        if (unexpected.Count > 0)
            throw new InvalidDataException($"{store.Path}: checkpoint has {unexpected.Count} tensor(s) a {cfg.ModelType} model does not use: {string.Join(", ", unexpected.Take(10))}{(unexpected.Count > 10 ? ", ..." : "")}. Does config.json match the weights?");

        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var nonFinite = new List<string>();
        HookedTransformer model;
        using (TensorScope.Begin())   // on an error every weight loaded so far is freed here; the architecture takes out the weights
        {
            foreach (var (name, shape) in expected)
            {
                string key = byCanon[name];
                var info = store.Info(key);
                if (info.StoredDType is not ("F32" or "F16" or "BF16" or "F64"))
                    throw new InterpException($"tensor '{key}' is stored as {info.StoredDType}; a weight must be floating point (F32, F16, BF16 or F64)",
                        store.ShardOf(key), "re-export the checkpoint with float weights", ErrorKind.Format);
                if (!ShapeUtil.SameShape(info.Shape, shape))
                    throw new InvalidDataException($"{store.ShardOf(key)}: tensor '{key}' has shape [{ShapeUtil.Str(info.Shape)}] but config.json implies [{ShapeUtil.Str(shape)}].");
                var t = store.Load(key);
                if (t.DType != DType.F32) { using var stored = t; t = TensorOps.To(stored, DType.F32); }   // the stored copy freed at once (peak memory)
                weights[name] = t;
                long bad = NonFinite.First(t);
                if (bad < 0) continue;
                string at = $"tensor '{key}' holds {NonFinite.Name(t.Data<float>()[t.Offset + bad])} at {Index(bad, shape)}";
                if (!allowNonFinite)
                    throw new InterpException(at, store.ShardOf(key), "weights must be finite (a diverged or corrupted checkpoint?); pass --allow-nonfinite to load it anyway",
                        ErrorKind.Format);
                nonFinite.Add(at);
            }
            if (nonFinite.Count > 0)
                (warn ?? Console.Error.WriteLine)($"warning: {nonFinite.Count} weight tensor(s) of {dir} are not finite ({nonFinite[0]}{(nonFinite.Count > 1 ? ", ..." : "")}); results may be NaN.");
            model = new HookedTransformer(Create(cfg, weights)) { Source = Path.GetFullPath(dir) };
        }
        if (processing is not null && processing != WeightProcessing.None) WeightProcessor.Apply(model, processing);
        return model;
    }

    /// <summary>The one file the HF layout names: model.safetensors.index.json (sharded) or model.safetensors. Another
    /// *.safetensors in the folder (a reference or backup) is never opened in their place.</summary>
    public static string CheckpointFile(string dir)
    {
        string index = Path.Combine(dir, SafetensorsStore.IndexFileName), single = Path.Combine(dir, SafetensorsStore.SingleFileName);
        foreach (var p in new[] { index, single })
        {
            var k = FileKinds.Of(p);
            if (k == FileKind.Regular) return p;
            if (k != FileKind.Missing)
                throw new InterpException($"{Path.GetFileName(p)} is {FileKinds.Describe(k)}, not a regular file", p, "put the checkpoint's weights there as a file");
        }
        var others = Directory.EnumerateFiles(dir, "*.safetensors").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        throw new InterpException($"no {SafetensorsStore.SingleFileName} or {SafetensorsStore.IndexFileName}", dir,
            others.Count == 0 ? "a Hugging Face checkpoint folder holds config.json and model.safetensors"
                : $"found {string.Join(", ", others.Take(5))}, which the loader does not open in their place; rename the checkpoint's file to {SafetensorsStore.SingleFileName}",
            ErrorKind.NotFound);
    }

    private static string Index(long flat, int[] shape)
    {
        var idx = new long[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--) { idx[d] = flat % Math.Max(shape[d], 1); flat /= Math.Max(shape[d], 1); }
        return $"[{string.Join(", ", idx)}]";
    }

    public static TransformerArchitecture Create(ModelConfig cfg, IReadOnlyDictionary<string, Tensor> weights) => cfg.ModelType switch
    {
        "gpt2" => new Gpt2(cfg, weights),
        "gpt_neox" => new GptNeoX(cfg, weights),
        "llama" or "mistral" or "qwen2" => new Llama(cfg, weights),
        _ => throw new ConfigException($"model_type \"{cfg.ModelType}\" is not supported", null, "model_type", $"supported: {string.Join(", ", HfConfigReader.Supported)}"),
    };
}
