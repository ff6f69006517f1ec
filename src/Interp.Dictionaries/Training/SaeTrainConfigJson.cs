// Reads an SAE training config (a JSON object with SAELens-like snake_case keys) into SaeTrainConfig. Unknown keys
// are errors with the nearest known key suggested; a few SAELens keys that do not apply here (wandb, device,
// compilation) are accepted and ignored. Relative paths are taken relative to the config file's folder.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Interp.Dictionaries.Training;

public static class SaeTrainConfigJson
{
    /// <summary>SAELens keys that configure things this trainer does not have (logging services, devices, compilers).</summary>
    public static readonly IReadOnlySet<string> IgnoredKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "device", "act_store_device", "log_to_wandb", "wandb_project", "wandb_entity", "wandb_log_frequency", "run_name",
        "eval_every_n_wandb_logs", "autocast", "autocast_lm", "compile_llm", "compile_sae", "llm_compilation_mode",
        "sae_compilation_mode", "verbose", "streaming", "model_class_name", "eval_batch_size_prompts", "n_eval_batches",
        "model_from_pretrained_kwargs", "dataset_trust_remote_code", "use_cached_activations", "cached_activations_path",
        "save_final_checkpoint", "n_batches_for_norm_estimate",
    };

    private static readonly string[] Known =
    {
        "model_path", "model_name", "hook_name", "hook_head_index", "dataset_path", "is_dataset_tokenized", "tokenizer_path",
        "context_size", "prepend_bos", "sequence_separator_token", "exclude_special_tokens", "bos_token_id", "eos_token_id",
        "architecture", "d_in", "d_sae", "expansion_factor", "k", "apply_b_dec_to_input", "normalize_activations",
        "b_dec_init_method", "decoder_init_norm", "l1_coefficient", "l1_warm_up_steps", "l0_coefficient", "l0_warm_up_steps",
        "jumprelu_bandwidth", "jumprelu_init_threshold", "aux_k", "aux_k_coef", "topk_threshold_lr", "training_tokens",
        "train_batch_size_tokens", "lr", "adam_beta1", "adam_beta2", "lr_scheduler_name", "lr_warm_up_steps", "lr_decay_steps",
        "lr_end", "max_grad_norm", "seed", "store_batch_size_prompts", "n_batches_in_buffer", "dead_feature_window",
        "feature_sampling_window", "log_every_steps", "checkpoint_path", "n_checkpoints", "checkpoint_every_steps",
        "output_path", "dtype",
    };

    public static SaeTrainConfig Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"training config '{path}' does not exist.", path);
        return Parse(File.ReadAllText(path), path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Parses config text; relative paths are resolved against <paramref name="baseDir"/> when given.</summary>
    public static SaeTrainConfig Parse(string json, string source = "training config", string? baseDir = null)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException ex) { throw new ArgumentException($"{source} is not valid JSON ({ex.Message})."); }
        if (root is not JsonObject o) throw new ArgumentException($"{source} must hold a JSON object of training settings.");
        string[] keys;
        try { keys = o.Select(kv => kv.Key).ToArray(); }
        catch (ArgumentException) { throw new ArgumentException($"{source} gives a key twice; keep one of each."); }
        foreach (var key in keys)
            if (!Known.Contains(key) && !IgnoredKeys.Contains(key))
                throw new ArgumentException($"{source}: unknown key '{key}'; did you mean '{Known.OrderBy(k => Interp.Models.NameSuggestions.Distance(k, key)).First()}'? " +
                    "(the keys are listed in docs/sae-training.md).");
        var r = new Reader(o, source);
        string? dtype = r.Str("dtype");
        if (dtype is not (null or "float32" or "torch.float32")) throw new ArgumentException($"{source}: dtype '{dtype}' is not supported; SAEs train in float32.");
        int dIn = r.Int("d_in") ?? throw new ArgumentException($"{source}: d_in is required (the width of the activation at hook_name).");
        int? dSae = r.Int("d_sae");
        double? ef = r.Num("expansion_factor");
        if (dSae is not null && ef is not null && dSae != (int)Math.Round(ef.Value * dIn))
            throw new ArgumentException($"{source}: d_sae = {dSae} but expansion_factor × d_in = {ef * dIn}; give one of them.");
        dSae ??= ef is { } e ? checked((int)Math.Round(e * dIn)) : throw new ArgumentException($"{source}: give d_sae or expansion_factor.");
        string? P(string key) => r.Str(key) is { } p ? (baseDir is null || Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(baseDir, p))) : null;
        var d = new SaeTrainConfig { HookName = "", DIn = 0, DSae = 0 };
        return d with
        {
            ModelPath = P("model_path"), ModelName = r.Str("model_name"),
            HookName = r.Str("hook_name") ?? throw new ArgumentException($"{source}: hook_name is required (e.g. \"blocks.0.hook_resid_post\")."),
            HookHeadIndex = r.Int("hook_head_index"),
            DatasetPath = P("dataset_path"), IsDatasetTokenized = r.Bool("is_dataset_tokenized") ?? d.IsDatasetTokenized, TokenizerPath = P("tokenizer_path"),
            ContextSize = r.Int("context_size") ?? d.ContextSize, PrependBos = r.Bool("prepend_bos") ?? d.PrependBos,
            SequenceSeparatorToken = r.Str("sequence_separator_token") ?? (o.ContainsKey("sequence_separator_token") ? "none" : d.SequenceSeparatorToken),
            ExcludeSpecialTokens = r.Bool("exclude_special_tokens") ?? d.ExcludeSpecialTokens,
            BosTokenId = r.Int("bos_token_id"), EosTokenId = r.Int("eos_token_id"),
            Architecture = r.Str("architecture") ?? d.Architecture, DIn = dIn, DSae = dSae.Value, K = r.Num("k"),
            ApplyBDecToInput = r.Bool("apply_b_dec_to_input") ?? d.ApplyBDecToInput,
            NormalizeActivations = r.Str("normalize_activations") ?? d.NormalizeActivations,
            BDecInitMethod = r.Str("b_dec_init_method") ?? d.BDecInitMethod, DecoderInitNorm = r.Num("decoder_init_norm") ?? d.DecoderInitNorm,
            L1Coefficient = r.Num("l1_coefficient") ?? d.L1Coefficient, L1WarmUpSteps = r.Int("l1_warm_up_steps") ?? d.L1WarmUpSteps,
            L0Coefficient = r.Num("l0_coefficient") ?? d.L0Coefficient, L0WarmUpSteps = r.Int("l0_warm_up_steps") ?? d.L0WarmUpSteps,
            JumpReluBandwidth = r.Num("jumprelu_bandwidth") ?? d.JumpReluBandwidth, JumpReluInitThreshold = r.Num("jumprelu_init_threshold") ?? d.JumpReluInitThreshold,
            AuxK = r.Int("aux_k"), AuxKCoefficient = r.Num("aux_k_coef") ?? d.AuxKCoefficient, TopKThresholdLr = r.Num("topk_threshold_lr") ?? d.TopKThresholdLr,
            TrainingTokens = r.Long("training_tokens") ?? throw new ArgumentException($"{source}: training_tokens is required."),
            TrainBatchSizeTokens = r.Int("train_batch_size_tokens") ?? d.TrainBatchSizeTokens,
            Lr = r.Num("lr") ?? d.Lr, AdamBeta1 = r.Num("adam_beta1") ?? d.AdamBeta1, AdamBeta2 = r.Num("adam_beta2") ?? d.AdamBeta2,
            LrSchedulerName = r.Str("lr_scheduler_name") ?? d.LrSchedulerName, LrWarmUpSteps = r.Int("lr_warm_up_steps") ?? d.LrWarmUpSteps,
            LrDecaySteps = r.Int("lr_decay_steps") ?? d.LrDecaySteps, LrEnd = r.Num("lr_end"), MaxGradNorm = r.Num("max_grad_norm") ?? d.MaxGradNorm,
            Seed = (ulong)(r.Long("seed") ?? (long)d.Seed),
            StoreBatchSizePrompts = r.Int("store_batch_size_prompts") ?? d.StoreBatchSizePrompts, NBatchesInBuffer = r.Int("n_batches_in_buffer") ?? d.NBatchesInBuffer,
            DeadFeatureWindow = r.Int("dead_feature_window") ?? d.DeadFeatureWindow, FeatureSamplingWindow = r.Int("feature_sampling_window") ?? d.FeatureSamplingWindow,
            LogEverySteps = r.Int("log_every_steps") ?? d.LogEverySteps,
            CheckpointPath = P("checkpoint_path"), NCheckpoints = r.Int("n_checkpoints") ?? d.NCheckpoints, CheckpointEverySteps = r.Int("checkpoint_every_steps") ?? d.CheckpointEverySteps,
            OutputPath = P("output_path"),
        };
    }

    private sealed class Reader(JsonObject o, string source)
    {
        public string? Str(string key)
        {
            if (!o.TryGetPropertyValue(key, out var n) || n is null) return null;
            if (n is JsonValue v && v.TryGetValue<string>(out var s)) return s;
            throw Bad(key, n, "a string");
        }

        public bool? Bool(string key)
        {
            if (!o.TryGetPropertyValue(key, out var n) || n is null) return null;
            if (n is JsonValue v && v.TryGetValue<bool>(out var b)) return b;
            throw Bad(key, n, "true or false");
        }

        public double? Num(string key)
        {
            if (!o.TryGetPropertyValue(key, out var n) || n is null) return null;
            if (n is JsonValue v && v.TryGetValue<double>(out var d) && double.IsFinite(d)) return d;
            throw Bad(key, n, "a number");
        }

        public long? Long(string key)
        {
            if (Num(key) is not { } d) return null;
            if (d != Math.Floor(d) || Math.Abs(d) > 9e15) throw Bad(key, o[key], "an integer");
            return (long)d;
        }

        public int? Int(string key)
        {
            if (Long(key) is not { } l) return null;
            if (l < int.MinValue || l > int.MaxValue) throw Bad(key, o[key], "an integer below 2^31");
            return (int)l;
        }

        private ArgumentException Bad(string key, JsonNode? n, string what) => new($"{source}: {key} = {n?.ToJsonString() ?? "null"}; expected {what}.");
    }
}
