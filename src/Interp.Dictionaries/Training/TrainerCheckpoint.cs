// A training checkpoint folder, checkpoint_path/step-0000010 (CheckpointFolders, as the LM trainer's): the SAE as it stands in SAELens's layout (cfg.json,
// sae_weights.safetensors, sparsity.safetensors: loadable by Sae.Load), plus trainer_state.safetensors (the exact
// parameters, Adam moments, the shuffling buffer, pending activations, dead-feature counters) and trainer_state.json
// (step, tokens, positions, method state, and the settings a resume must share). The JSON is written last, so a
// folder without it is an interrupted write and is never resumed from.
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Models.Training;
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Dictionaries.Training;

internal sealed record TrainerState(
    int Step, long Tokens, double? NormScalingFactor,
    IReadOnlyDictionary<string, Tensor> Parameters, IReadOnlyDictionary<string, Tensor> Optimizer,
    ActivationBuffer.State Buffer, ActivationSourceState Source,
    int[] SinceFired, long[] WindowFires, int WindowSteps, long[] LastWindowFires, int LastWindowSteps,
    IReadOnlyDictionary<string, double> Method);

internal static class TrainerCheckpoint
{
    public const string StateFile = "trainer_state.safetensors", MetaFile = "trainer_state.json";

    /// <summary>The settings a resumed run must share with the run that wrote the checkpoint.</summary>
    public static JsonObject Fingerprint(SaeTrainConfig c) => new()
    {
        ["architecture"] = c.Architecture, ["d_in"] = c.DIn, ["d_sae"] = c.DSae, ["k"] = c.K, ["hook_name"] = c.HookName,
        ["hook_head_index"] = c.HookHeadIndex, ["train_batch_size_tokens"] = c.TrainBatchSizeTokens, ["n_batches_in_buffer"] = c.NBatchesInBuffer,
        ["context_size"] = c.ContextSize, ["store_batch_size_prompts"] = c.StoreBatchSizePrompts, ["seed"] = c.Seed,
        ["dataset_path"] = c.DatasetPath is null ? null : Path.GetFileName(c.DatasetPath), ["is_dataset_tokenized"] = c.IsDatasetTokenized,
        ["prepend_bos"] = c.PrependBos, ["sequence_separator_token"] = Interp.Config.ConfigJson.EnumName(c.SequenceSeparatorToken), ["exclude_special_tokens"] = c.ExcludeSpecialTokens,
        ["normalize_activations"] = Interp.Config.ConfigJson.EnumName(c.NormalizeActivations), ["apply_b_dec_to_input"] = c.ApplyBDecToInput,
    };

    public static string Save(string dir, TrainerState s, Sae sae, SaeTrainConfig cfg)
    {
        Directory.CreateDirectory(dir);
        string meta = Path.Combine(dir, MetaFile);
        if (File.Exists(meta)) File.Delete(meta);
        sae.Save(dir);
        using (TensorScope.Begin())   // the views and wrappers below
        {
            var tensors = new List<(string, Tensor)>();
            foreach (var (n, t) in s.Parameters) tensors.Add(("param." + n, t.Detach()));
            foreach (var (n, t) in s.Optimizer) tensors.Add(("optim." + n, t.Detach()));
            int cap = s.Buffer.Order.Length;
            tensors.Add(("buffer.rows", Tensor.FromArray(s.Buffer.Rows, cap, cap == 0 ? 0 : s.Buffer.Rows.Length / cap)));
            tensors.Add(("buffer.order", Tensor.FromArray(s.Buffer.Order, s.Buffer.Order.Length)));
            if (s.Source.Pending.Length > 0) tensors.Add(("source.pending", Tensor.FromArray(s.Source.Pending, s.Source.Pending.Length)));
            tensors.Add(("dead.since_fired", Tensor.FromArray(s.SinceFired, s.SinceFired.Length)));
            tensors.Add(("window.fires", Tensor.FromArray(s.WindowFires, s.WindowFires.Length)));
            tensors.Add(("window.last_fires", Tensor.FromArray(s.LastWindowFires, s.LastWindowFires.Length)));
            SafetensorsWriter.Write(Path.Combine(dir, StateFile), tensors);
        }
        var json = new JsonObject
        {
            ["format"] = "interp-sae-trainer/1",
            ["step"] = s.Step, ["tokens"] = s.Tokens, ["norm_scaling_factor"] = s.NormScalingFactor,
            ["buffer"] = new JsonObject { ["next"] = s.Buffer.Next, ["shuffles"] = s.Buffer.Shuffles, ["rows_read"] = s.Buffer.RowsRead, ["filled"] = s.Buffer.Filled },
            ["source_position"] = new JsonArray(s.Source.Position.Select(p => (JsonNode)p).ToArray()),
            ["window_steps"] = s.WindowSteps, ["last_window_steps"] = s.LastWindowSteps,
            ["method"] = new JsonObject(s.Method.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["settings"] = Fingerprint(cfg),
        };
        string tmp = meta + ".tmp";
        File.WriteAllText(tmp, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(tmp, meta, overwrite: true);
        return dir;
    }

    /// <summary>Reads a checkpoint folder; the parameter and optimizer tensors in the result are the caller's (in its
    /// TensorScope, when it has one).</summary>
    public static TrainerState Load(string dir, SaeTrainConfig cfg)
    {
        string meta = Path.Combine(dir, MetaFile), state = Path.Combine(dir, StateFile);
        if (!File.Exists(meta) || !File.Exists(state))
            throw new FileNotFoundException($"'{dir}' is not a complete training checkpoint (it needs {MetaFile} and {StateFile}).", meta);
        JsonObject j;
        try { j = JsonNode.Parse(File.ReadAllText(meta)) as JsonObject ?? throw new InvalidDataException($"{meta} is not a JSON object."); }
        catch (JsonException e) { throw new InvalidDataException($"{meta} is not valid JSON ({e.Message})."); }
        var saved = j["settings"] as JsonObject ?? throw new InvalidDataException($"{meta} has no settings.");
        var now = Fingerprint(cfg);
        var diff = now.Where(kv => !JsonNode.DeepEquals(kv.Value, saved[kv.Key])).Select(kv => $"{kv.Key} ({saved[kv.Key]?.ToJsonString() ?? "null"} -> {kv.Value?.ToJsonString() ?? "null"})").ToArray();
        if (diff.Length > 0)
            throw new ArgumentException($"the checkpoint {dir} was written with other settings: {string.Join(", ", diff)}; resume with the config it was made with.");

        using var scope = TensorScope.Begin();   // keeps param.* and optim.*; the rest is read into arrays and freed
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (var f = SafetensorsFile.Open(state))
            foreach (var n in f.Names) tensors[n] = f.Load(n);
        Tensor Need(string n) => tensors.TryGetValue(n, out var t) ? t : throw new InvalidDataException($"{state} has no '{n}'.");
        var buf = (JsonObject)j["buffer"]!;
        var result = new TrainerState(
            Step: (int)j["step"]!, Tokens: (long)j["tokens"]!, NormScalingFactor: (double?)j["norm_scaling_factor"],
            Parameters: tensors.Where(kv => kv.Key.StartsWith("param.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["param.".Length..], kv => kv.Value),
            Optimizer: tensors.Where(kv => kv.Key.StartsWith("optim.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["optim.".Length..], kv => kv.Value),
            Buffer: new ActivationBuffer.State(Need("buffer.rows").ToArray(), Need("buffer.order").ToArray<int>(), (int)buf["next"]!, (long)buf["shuffles"]!,
                (long)buf["rows_read"]!, (bool)buf["filled"]!),
            Source: new ActivationSourceState(((JsonArray)j["source_position"]!).Select(n => (long)n!).ToArray(),
                tensors.TryGetValue("source.pending", out var pend) ? pend.ToArray() : Array.Empty<float>()),
            SinceFired: Need("dead.since_fired").ToArray<int>(), WindowFires: Need("window.fires").ToArray<long>(), WindowSteps: (int)j["window_steps"]!,
            LastWindowFires: Need("window.last_fires").ToArray<long>(), LastWindowSteps: (int)j["last_window_steps"]!,
            Method: ((JsonObject)j["method"]!).ToDictionary(kv => kv.Key, kv => (double)kv.Value!));
        foreach (var t in result.Parameters.Values.Concat(result.Optimizer.Values)) scope.Keep(t);
        return result;
    }

    /// <summary>The complete checkpoint with the highest step under <paramref name="checkpointPath"/>, or null
    /// (step-N folders, and step_N ones written before issue 9).</summary>
    public static string? Latest(string checkpointPath) => CheckpointFolders.Latest(checkpointPath, MetaFile);
}
