// Loads and saves an SAE folder in SAELens's layout: cfg.json, sae_weights.safetensors (W_enc, b_enc, W_dec, b_dec,
// threshold) and the optional sparsity.safetensors ("sparsity": log10 firing rate per feature). Options SAELens
// applies inside its forward (rescale_acts_by_decoder_norm, finetuning scaling_factor) are folded into the weights.
// Loading and saving run in a TensorScope: whatever the new Sae does not take over is freed with it, on errors too.
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Dictionaries;

public static class SaeFiles
{
    public const string WeightsFile = "sae_weights.safetensors", SparsityFile = "sparsity.safetensors", SparsityTensor = "sparsity";
    private static readonly string[] Core = { Sae.WEncName, Sae.BEncName, Sae.WDecName, Sae.BDecName };

    /// <summary>Reads an SAE folder; weights are converted to <paramref name="dtype"/> (F32, or F64 for checks).</summary>
    public static Sae Load(string directory, DType dtype = DType.F32)
    {
        if (dtype is not (DType.F32 or DType.F64)) throw new ArgumentException($"an SAE computes in F32 or F64, not {dtype}.", nameof(dtype));
        string dir = Path.GetFullPath(directory);
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"SAE folder '{dir}' does not exist.");
        string cfgPath = Path.Combine(dir, SaeConfigJson.FileName), wPath = Path.Combine(dir, WeightsFile);
        if (!File.Exists(cfgPath)) throw new FileNotFoundException($"'{dir}' has no {SaeConfigJson.FileName}; an SAELens SAE folder holds {SaeConfigJson.FileName} and {WeightsFile}.", cfgPath);
        var (cfg, flags) = SaeConfigJson.Parse(InputFiles.ReadAllText(cfgPath, SaeConfigJson.FileName), cfgPath);
        var arch = SaeArchitectures.Get(cfg.Architecture, cfgPath);
        arch.Validate(cfg, cfgPath);
        if (FileKinds.Of(wPath) == FileKind.Missing) throw new FileNotFoundException($"'{dir}' has {SaeConfigJson.FileName} but no {WeightsFile}.", wPath);

        using var scope = TensorScope.Begin();   // the Sae takes out what it keeps; the rest (and everything on an error) is freed
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (var f = SafetensorsFile.Open(wPath))
            foreach (var n in f.Names) tensors[n] = f.Load(n);
        arch.PrepareLoaded(cfg, tensors, wPath);
        var needed = Core.Concat(arch.ExtraTensors).ToArray();
        var missing = needed.Where(n => !tensors.ContainsKey(n)).ToArray();
        if (missing.Length > 0)
            throw new SaeFormatException($"{wPath} has no {string.Join(", ", missing)}; a {cfg.Architecture} SAE needs {string.Join(", ", needed)} " +
                $"(the file holds: {(tensors.Count == 0 ? "nothing" : string.Join(", ", tensors.Keys))}).");
        using (Tensor.NoGrad())
        {
            foreach (var n in needed) Convert(tensors, n, dtype, wPath);
            CheckShapes(cfg, tensors, wPath);
            FoldFinetuningScale(cfg, flags, tensors, wPath, dtype);
            if (flags.RescaleActsByDecoderNorm) FoldDecoderNorms(tensors);
        }
        var logSparsity = LoadSparsity(dir, cfg, dtype);
        return new Sae(cfg, tensors[Sae.WEncName], tensors[Sae.BEncName], tensors[Sae.WDecName], tensors[Sae.BDecName],
            tensors.GetValueOrDefault(Sae.ThresholdName), wPath) { LogSparsity = logSparsity };
    }

    /// <summary>Writes cfg.json (architecture as the architecture saves it), sae_weights.safetensors in cfg.dtype, and
    /// sparsity.safetensors when LogSparsity is set (a stale one is removed otherwise).</summary>
    public static void Save(Sae sae, string directory)
    {
        string dir = Path.GetFullPath(directory);
        if (FileKinds.Of(dir) is not (FileKind.Missing or FileKind.Directory))
            throw new Interp.Errors.InterpException($"the SAE output path is {FileKinds.Describe(FileKinds.Of(dir))}, not a folder", dir, "give a folder path");
        Directory.CreateDirectory(dir);
        var (asDType, storeAs) = sae.Cfg.DType switch
        {
            SaeDType.Float64 => (DType.F64, (DType?)null),
            SaeDType.Float16 => (DType.F32, DType.F16),
            SaeDType.Bfloat16 => (DType.F32, DType.BF16),
            _ => (DType.F32, (DType?)null),
        };
        using (TensorScope.Begin())   // the views and converted copies written below
        using (Tensor.NoGrad())
        {
            var written = sae.Tensors.Select(kv => (kv.Key, kv.Value.DType == asDType ? kv.Value.Detach() : kv.Value.To(asDType))).ToList();
            SafetensorsWriter.Write(Path.Combine(dir, WeightsFile), written, storeAs: storeAs);
            string sparsity = Path.Combine(dir, SparsityFile);
            if (sae.LogSparsity is { } ls)
                SafetensorsWriter.Write(sparsity, new[] { (SparsityTensor, ls.DType == DType.F32 ? ls.Detach() : ls.To(DType.F32)) });
            else if (File.Exists(sparsity)) File.Delete(sparsity);
        }
        var cfg = sae.Cfg with { Architecture = sae.Architecture.SavedAs };
        AtomicFile.WriteAllText(Path.Combine(dir, SaeConfigJson.FileName), SaeConfigJson.Write(cfg), SaeConfigJson.FileName);
    }

    private static void Convert(Dictionary<string, Tensor> tensors, string name, DType dtype, string path)
    {
        var t = tensors[name];
        if (t.DType == dtype) return;
        if (t.DType is not (DType.F32 or DType.F64))
            throw new SaeFormatException($"{path}: tensor '{name}' is stored as {t.DType}; SAE weights must be floating point", "re-export the SAE with float weights");
        tensors[name] = t.To(dtype);   // (the original is freed with Load's scope)
    }

    private static void CheckShapes(SaeConfig cfg, Dictionary<string, Tensor> tensors, string path)
    {
        void Need(string n, params int[] shape)
        {
            if (tensors.TryGetValue(n, out var t) && !ShapeUtil.SameShape(t.Shape, shape))
                throw new SaeFormatException($"{path}: {n} has shape [{ShapeUtil.Str(t.Shape)}] but cfg.json's d_in = {cfg.DIn}, d_sae = {cfg.DSae} need [{ShapeUtil.Str(shape)}].");
        }
        Need(Sae.WEncName, cfg.DIn, cfg.DSae); Need(Sae.BEncName, cfg.DSae); Need(Sae.WDecName, cfg.DSae, cfg.DIn); Need(Sae.BDecName, cfg.DIn);
        Need(Sae.ThresholdName, cfg.DSae);
    }

    /// <summary>Old SAELens multiplied feature activations by a learned scaling_factor [d_sae] before decoding:
    /// the same as scaling W_dec's rows. An all-ones factor is dropped, as SAELens does.</summary>
    private static void FoldFinetuningScale(SaeConfig cfg, SaeConfigJson.LoadFlags flags, Dictionary<string, Tensor> tensors, string path, DType dtype)
    {
        string? name = tensors.ContainsKey("finetuning_scaling_factor") ? "finetuning_scaling_factor" : tensors.ContainsKey("scaling_factor") ? "scaling_factor" : null;
        if (name is null)
        {
            if (flags.FinetuningScalingFactor) throw new SaeFormatException($"{path}: cfg.json sets finetuning_scaling_factor but the file has no scaling_factor tensor [{cfg.DSae}].");
            return;
        }
        tensors.Remove(name, out var sf);
        if (!ShapeUtil.SameShape(sf!.Shape, new[] { cfg.DSae })) throw new SaeFormatException($"{path}: {name} has shape [{ShapeUtil.Str(sf.Shape)}]; expected [{cfg.DSae}].");
        var s = sf.DType == dtype ? sf : sf.To(dtype);
        if (s.ToDoubleArray().All(v => v == 1)) return;
        if (!flags.FinetuningScalingFactor) throw new SaeFormatException($"{path}: holds a {name} that is not all ones, but cfg.json does not set finetuning_scaling_factor.");
        tensors[Sae.WDecName] = tensors[Sae.WDecName] * s.Unsqueeze(1);
    }

    /// <summary>rescale_acts_by_decoder_norm: SAELens multiplies pre-activations by ‖W_dec row‖ and divides the
    /// activations by it before decoding. Folded: W_enc and b_enc scaled by n, W_dec rows divided by n (n = 0 rows kept).</summary>
    private static void FoldDecoderNorms(Dictionary<string, Tensor> tensors)
    {
        var n = TensorOps.Sum(tensors[Sae.WDecName].Square(), new[] { 1 }).Sqrt();              // [d_sae]
        var one = n.DType == DType.F64 ? Tensor.ScalarOf(1.0) : Tensor.ScalarOf(1f);
        var nCol = TensorOps.Where(n, n, one).Unsqueeze(1);                                      // zero norms divide by 1
        tensors[Sae.WEncName] *= n;                                                              // (the old ones go with Load's scope)
        tensors[Sae.BEncName] *= n;
        tensors[Sae.WDecName] /= nCol;
    }

    private static Tensor? LoadSparsity(string dir, SaeConfig cfg, DType dtype)
    {
        string path = Path.Combine(dir, SparsityFile);
        if (FileKinds.Of(path) == FileKind.Missing) return null;
        using var f = SafetensorsFile.Open(path);
        if (!f.Contains(SparsityTensor)) throw new SaeFormatException($"{path} has no '{SparsityTensor}' tensor (found: {string.Join(", ", f.Names)}).");
        var t = f.Load(SparsityTensor);   // in Load's scope; the Sae takes out what LogSparsity is set to
        if (!ShapeUtil.SameShape(t.Shape, new[] { cfg.DSae }) || t.DType is not (DType.F32 or DType.F64))
            throw new SaeFormatException($"{path}: '{SparsityTensor}' must be a float [{cfg.DSae}] (log10 firing rate per feature).");
        return t.DType == dtype ? t : t.To(dtype);
    }

}
