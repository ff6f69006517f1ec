// Reads an SAE training config (a JSON object with SAELens-like snake_case keys) into SaeTrainConfig through the one
// config serializer: unknown keys are errors naming the nearest known key, wrong types name the key and the expected
// type; a few SAELens keys that do not apply here (wandb, device, compilation) are accepted and ignored. Relative paths
// are taken relative to the config file's folder. The checks that need the model happen in SaeTrainer.Create.
using System.Text.Json.Serialization;
using Interp.Config;
using Interp.Errors;
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Dictionaries.Training;

/// <summary>The file's keys as the serializer reads them (null = not given; SaeTrainConfig holds the defaults).</summary>
public sealed record SaeTrainConfigFile
{
    public string? ModelPath { get; init; }
    public string? ModelName { get; init; }
    public required string HookName { get; init; }
    public int? HookHeadIndex { get; init; }
    public string? DatasetPath { get; init; }
    public bool? IsDatasetTokenized { get; init; }
    public string? TokenizerPath { get; init; }
    public int? ContextSize { get; init; }
    public bool? PrependBos { get; init; }
    /// <summary>null in the file means none (SAELens's None).</summary>
    public SeparatorToken? SequenceSeparatorToken { get; init; }
    public bool? ExcludeSpecialTokens { get; init; }
    public int? BosTokenId { get; init; }
    public int? EosTokenId { get; init; }
    public string? Architecture { get; init; }
    public required int DIn { get; init; }
    public int? DSae { get; init; }
    public double? ExpansionFactor { get; init; }
    public double? K { get; init; }
    public bool? ApplyBDecToInput { get; init; }
    public SaeNormalization? NormalizeActivations { get; init; }
    public BDecInit? BDecInitMethod { get; init; }
    public double? DecoderInitNorm { get; init; }
    public double? L1Coefficient { get; init; }
    public int? L1WarmUpSteps { get; init; }
    public double? L0Coefficient { get; init; }
    public int? L0WarmUpSteps { get; init; }
    [JsonPropertyName("jumprelu_bandwidth")] public double? JumpReluBandwidth { get; init; }
    [JsonPropertyName("jumprelu_init_threshold")] public double? JumpReluInitThreshold { get; init; }
    public int? AuxK { get; init; }
    [JsonPropertyName("aux_k_coef")] public double? AuxKCoefficient { get; init; }
    [JsonPropertyName("topk_threshold_lr")] public double? TopKThresholdLr { get; init; }
    public required long TrainingTokens { get; init; }
    public int? TrainBatchSizeTokens { get; init; }
    public double? Lr { get; init; }
    public double? AdamBeta1 { get; init; }
    public double? AdamBeta2 { get; init; }
    public SaeLrScheduler? LrSchedulerName { get; init; }
    public int? LrWarmUpSteps { get; init; }
    public int? LrDecaySteps { get; init; }
    public double? LrEnd { get; init; }
    public double? MaxGradNorm { get; init; }
    public ulong? Seed { get; init; }
    public int? StoreBatchSizePrompts { get; init; }
    public int? NBatchesInBuffer { get; init; }
    public int? DeadFeatureWindow { get; init; }
    public int? FeatureSamplingWindow { get; init; }
    public int? LogEverySteps { get; init; }
    public string? CheckpointPath { get; init; }
    public int? NCheckpoints { get; init; }
    public int? CheckpointEverySteps { get; init; }
    public string? OutputPath { get; init; }
    /// <summary>SAEs train in float32; "float32" (or "torch.float32") is the only value accepted.</summary>
    public string? Dtype { get; init; }
}

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

    public static SaeTrainConfig Read(string path)
    {
        if (FileKinds.Of(path) == FileKind.Missing) throw new FileNotFoundException($"training config '{path}' does not exist.", path);
        return Parse(InputFiles.ReadAllText(path, "the training config"), path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Parses config text; relative paths are resolved against <paramref name="baseDir"/> when given. Throws
    /// ConfigException naming <paramref name="source"/> and the key.</summary>
    public static SaeTrainConfig Parse(string json, string source = "training config", string? baseDir = null)
    {
        using var doc = ConfigJson.ParseDocument(json, source);
        var f = ConfigJson.FromElement<SaeTrainConfigFile>(doc.RootElement, source, new ConfigRules(IgnoredKeys, "an SAE training config (keys: docs/sae-training.md)"));
        bool separatorGiven = doc.RootElement.TryGetProperty("sequence_separator_token", out _);
        if (f.Dtype is not (null or "float32" or "torch.float32"))
            throw new ConfigException($"dtype \"{f.Dtype}\" is not supported", source, "dtype", "SAEs train in float32; remove dtype or set it to \"float32\"");
        int? dSae = f.DSae;
        if (dSae is not null && f.ExpansionFactor is { } ef0 && dSae != (int)Math.Round(ef0 * f.DIn))
            throw new ConfigException($"d_sae = {dSae} but expansion_factor × d_in = {ef0 * f.DIn}", source, "d_sae", "give one of them");
        if (dSae is null && f.ExpansionFactor is { } ef)
        {
            double d = Math.Round(ef * f.DIn);
            if (!(d >= 1 && d <= int.MaxValue)) throw new ConfigException($"expansion_factor = {ef} gives d_sae = {d}", source, "expansion_factor", "d_sae must be from 1 to 2147483647");
            dSae = (int)d;
        }
        if (dSae is null) throw new ConfigException("the config gives neither d_sae nor expansion_factor", source, "d_sae", "give d_sae (the number of features) or expansion_factor");
        string? P(string? p) => p is null ? null : baseDir is null || Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(baseDir, p));
        var d0 = new SaeTrainConfig { HookName = "", DIn = 0, DSae = 0 };
        var cfg = d0 with
        {
            ModelPath = P(f.ModelPath), ModelName = f.ModelName, HookName = f.HookName, HookHeadIndex = f.HookHeadIndex,
            DatasetPath = P(f.DatasetPath), IsDatasetTokenized = f.IsDatasetTokenized ?? d0.IsDatasetTokenized, TokenizerPath = P(f.TokenizerPath),
            ContextSize = f.ContextSize ?? d0.ContextSize, PrependBos = f.PrependBos ?? d0.PrependBos,
            SequenceSeparatorToken = f.SequenceSeparatorToken ?? (separatorGiven ? SeparatorToken.None : d0.SequenceSeparatorToken),
            ExcludeSpecialTokens = f.ExcludeSpecialTokens ?? d0.ExcludeSpecialTokens, BosTokenId = f.BosTokenId, EosTokenId = f.EosTokenId,
            Architecture = f.Architecture ?? d0.Architecture, DIn = f.DIn, DSae = dSae.Value, K = f.K,
            ApplyBDecToInput = f.ApplyBDecToInput ?? d0.ApplyBDecToInput, NormalizeActivations = f.NormalizeActivations ?? d0.NormalizeActivations,
            BDecInitMethod = f.BDecInitMethod ?? d0.BDecInitMethod, DecoderInitNorm = f.DecoderInitNorm ?? d0.DecoderInitNorm,
            L1Coefficient = f.L1Coefficient ?? d0.L1Coefficient, L1WarmUpSteps = f.L1WarmUpSteps ?? d0.L1WarmUpSteps,
            L0Coefficient = f.L0Coefficient ?? d0.L0Coefficient, L0WarmUpSteps = f.L0WarmUpSteps ?? d0.L0WarmUpSteps,
            JumpReluBandwidth = f.JumpReluBandwidth ?? d0.JumpReluBandwidth, JumpReluInitThreshold = f.JumpReluInitThreshold ?? d0.JumpReluInitThreshold,
            AuxK = f.AuxK, AuxKCoefficient = f.AuxKCoefficient ?? d0.AuxKCoefficient, TopKThresholdLr = f.TopKThresholdLr ?? d0.TopKThresholdLr,
            TrainingTokens = f.TrainingTokens, TrainBatchSizeTokens = f.TrainBatchSizeTokens ?? d0.TrainBatchSizeTokens,
            Lr = f.Lr ?? d0.Lr, AdamBeta1 = f.AdamBeta1 ?? d0.AdamBeta1, AdamBeta2 = f.AdamBeta2 ?? d0.AdamBeta2,
            LrSchedulerName = f.LrSchedulerName ?? d0.LrSchedulerName, LrWarmUpSteps = f.LrWarmUpSteps ?? d0.LrWarmUpSteps,
            LrDecaySteps = f.LrDecaySteps ?? d0.LrDecaySteps, LrEnd = f.LrEnd, MaxGradNorm = f.MaxGradNorm ?? d0.MaxGradNorm, Seed = f.Seed ?? d0.Seed,
            StoreBatchSizePrompts = f.StoreBatchSizePrompts ?? d0.StoreBatchSizePrompts, NBatchesInBuffer = f.NBatchesInBuffer ?? d0.NBatchesInBuffer,
            DeadFeatureWindow = f.DeadFeatureWindow ?? d0.DeadFeatureWindow, FeatureSamplingWindow = f.FeatureSamplingWindow ?? d0.FeatureSamplingWindow,
            LogEverySteps = f.LogEverySteps ?? d0.LogEverySteps, CheckpointPath = P(f.CheckpointPath), NCheckpoints = f.NCheckpoints ?? d0.NCheckpoints,
            CheckpointEverySteps = f.CheckpointEverySteps ?? d0.CheckpointEverySteps, OutputPath = P(f.OutputPath),
        };
        try { cfg.Validate(); }
        catch (ArgumentException e) { throw new ConfigException(e.Message.TrimEnd('.'), source, null, "see docs/sae-training.md for the keys and their ranges", e); }
        // W_enc and W_dec with their gradients and Adam's two moments (4 copies of 2·d_in·d_sae floats), plus the buffer
        MemoryBudget.EnsureFits(4.0 * 4 * 2 * cfg.DIn * (double)cfg.DSae + 4.0 * cfg.NBatchesInBuffer * cfg.TrainBatchSizeTokens * cfg.DIn,
            $"training a {cfg.DIn} x {cfg.DSae} SAE (weights, gradients, Adam state and the activation buffer)", source,
            "lower d_sae (or expansion_factor), n_batches_in_buffer or train_batch_size_tokens");
        return cfg;
    }
}
