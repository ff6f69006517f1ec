// Opens a Hugging Face checkpoint folder (config.json + model.safetensors or a sharded index) as a
// HookedTransformer. Keys are normalised per architecture; missing, unexpected or mis-shaped tensors fail loudly.
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Models;

public static class ModelLoader
{
    public static HookedTransformer Load(string dir, WeightProcessing? processing = null)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"model folder '{dir}' does not exist; expected a Hugging Face checkpoint folder (config.json + model.safetensors).");
        var cfg = HfConfigReader.Read(Path.Combine(dir, "config.json"));
        using var store = SafetensorsStore.Open(dir);
        var keys = store.Names.ToList();

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
            throw new InvalidDataException($"{dir}: checkpoint lacks {missing.Count} tensor(s) a {cfg.ModelType} model with this config needs: {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", ..." : "")}.");
        var expectedNames = expected.Select(e => e.name).ToHashSet();
        var unexpected = byCanon.Keys.Where(k => !expectedNames.Contains(k)).ToList();
        if (unexpected.Count > 0)
            throw new InvalidDataException($"{dir}: checkpoint has {unexpected.Count} tensor(s) a {cfg.ModelType} model does not use: {string.Join(", ", unexpected.Take(10))}{(unexpected.Count > 10 ? ", ..." : "")}. Does config.json match the weights?");

        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, shape) in expected)
        {
            var t = store.Load(byCanon[name]);
            if (!ShapeUtil.SameShape(t.Shape, shape))
                throw new InvalidDataException($"{dir}: tensor '{byCanon[name]}' has shape [{ShapeUtil.Str(t.Shape)}] but config.json implies [{ShapeUtil.Str(shape)}].");
            if (t.DType != DType.F32) { var f = TensorOps.To(t, DType.F32); t.Dispose(); t = f; }
            weights[name] = t;
        }
        var arch = Create(cfg, weights);
        var model = new HookedTransformer(arch) { Source = Path.GetFullPath(dir) };
        if (processing is not null && processing != WeightProcessing.None) WeightProcessor.Apply(model, processing);
        return model;
    }

    public static TransformerArchitecture Create(ModelConfig cfg, IReadOnlyDictionary<string, Tensor> weights) => cfg.ModelType switch
    {
        "gpt2" => new Gpt2(cfg, weights),
        "gpt_neox" => new GptNeoX(cfg, weights),
        "llama" or "mistral" or "qwen2" => new Llama(cfg, weights),
        _ => throw new ModelConfigException($"model_type \"{cfg.ModelType}\" is not supported; supported: {string.Join(", ", HfConfigReader.Supported)}."),
    };
}
