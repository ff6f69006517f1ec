// A training checkpoint folder: the model as a loadable Hugging Face checkpoint (config.json, model.safetensors
// in fp32, tokenizer.json) plus train_config.json, optimizer.safetensors and trainer_state.json (step, the
// batch-RNG state, corpus fingerprint, parameter order). Written to a temp folder and renamed, so never half-written.
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Models.Training;

public sealed record TrainState(
    int Step, ulong Seed, string TrainFingerprint, string TokenizerFingerprint, IReadOnlyList<string> ParamOrder, double ElapsedSeconds)
{
    public const string FileName = "trainer_state.json";

    /// <summary>The batch RNG, described: step k's batch comes from Rng(SplitMix64(seed ^ k·0xD1B54A32D192ED03)),
    /// so (seed, next step) is its complete state.</summary>
    public const string RngScheme = "per-step: Rng(SplitMix64(seed ^ step * 0xD1B54A32D192ED03))";

    public JsonObject ToJson() => new()
    {
        ["step"] = Step,
        ["rng"] = new JsonObject { ["scheme"] = RngScheme, ["seed"] = Seed, ["next_step"] = Step },
        ["train_fingerprint"] = TrainFingerprint, ["tokenizer_fingerprint"] = TokenizerFingerprint,
        ["param_order"] = new JsonArray(ParamOrder.Select(p => (JsonNode?)p).ToArray()), ["elapsed_seconds"] = ElapsedSeconds,
    };

    public static TrainState FromJson(JsonElement o, string source)
    {
        try
        {
            var rng = o.GetProperty("rng");
            return new TrainState(o.GetProperty("step").GetInt32(), rng.GetProperty("seed").GetUInt64(), o.GetProperty("train_fingerprint").GetString()!,
                o.GetProperty("tokenizer_fingerprint").GetString()!, o.GetProperty("param_order").EnumerateArray().Select(e => e.GetString()!).ToArray(),
                o.GetProperty("elapsed_seconds").GetDouble());
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source} is not a trainer state written by `interp train` ({e.Message}).");
        }
    }
}

public static class TrainCheckpoint
{
    public const string ConfigFile = "train_config.json", OptimizerFile = "optimizer.safetensors";

    public static string FolderName(int step) => CheckpointFolders.Name(step);

    /// <summary>Writes checkpoint folder <paramref name="dir"/> (replacing one already there).</summary>
    public static void Save(string dir, TrainConfig cfg, IReadOnlyDictionary<string, Tensor> weights, TrainOptimizer opt, TrainState state,
        int vocab, int? eosId)
    {
        string full = Path.GetFullPath(dir);
        string tmp = full + ".tmp";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        HfExport.Save(tmp, cfg, weights, cfg.Tokenizer, vocab, eosId, fp16: false);
        var indented = new JsonSerializerOptions { WriteIndented = true };
        File.WriteAllText(Path.Combine(tmp, ConfigFile), cfg.ToJson().ToJsonString(indented));
        File.WriteAllText(Path.Combine(tmp, TrainState.FileName), state.ToJson().ToJsonString(indented));
        using (TensorScope.Begin())   // frees the state copies
            SafetensorsWriter.Write(Path.Combine(tmp, OptimizerFile), opt.GetState(), new Dictionary<string, string> { ["step"] = state.Step.ToString() });
        if (Directory.Exists(full)) Directory.Delete(full, recursive: true);
        Directory.Move(tmp, full);
    }

    /// <summary>The checkpoint folder <paramref name="path"/> names: itself if it holds trainer_state.json, else the
    /// highest step-* folder inside it (or inside its checkpoints/ subfolder).</summary>
    public static string Resolve(string path)
    {
        if (File.Exists(Path.Combine(path, TrainState.FileName))) return path;
        foreach (var d in new[] { path, Path.Combine(path, "checkpoints") })
            if (CheckpointFolders.Latest(d, TrainState.FileName) is { } latest) return latest;
        throw new DirectoryNotFoundException($"--resume '{path}' is not a training checkpoint: expected a folder with {TrainState.FileName} "
            + "(e.g. OUT/checkpoints/step-0001000), or a folder holding such step-* folders.");
    }

    public static (TrainConfig Config, TrainState State) ReadMeta(string dir)
    {
        var cfg = TrainConfig.Load(Path.Combine(dir, ConfigFile));
        var statePath = Path.Combine(dir, TrainState.FileName);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(statePath));
            return (cfg, TrainState.FromJson(doc.RootElement, statePath));
        }
        catch (JsonException e) { throw new InvalidDataException($"{statePath} is not valid JSON ({e.Message}); the checkpoint is damaged: resume from an earlier one."); }
    }

    /// <summary>Loads the optimizer state tensors (the caller's, in its TensorScope if it has one).</summary>
    public static Dictionary<string, Tensor> ReadOptimizer(string dir)
    {
        using var f = SafetensorsFile.Open(Path.Combine(dir, OptimizerFile));
        return f.Names.ToDictionary(n => n, n => f.Load(n), StringComparer.Ordinal);
    }
}
