// The settings of one SAE training run, in SAELens's key names where SAELens has one (hook_name, d_sae,
// expansion_factor, l1_coefficient, training_tokens, train_batch_size_tokens, ...). Reading the JSON file is
// SaeTrainConfigJson.cs; the checks that need the model (hook exists, d_in matches) happen in SaeTrainer.Create.
namespace Interp.Dictionaries.Training;

/// <summary>The token put between two documents of the activation stream.</summary>
public enum SeparatorToken { Bos, Eos, None }

/// <summary>b_dec's start, from the first buffer fill.</summary>
public enum BDecInit { GeometricMedian, Mean, Zeros }

/// <summary>SAELens's lr_scheduler_name values implemented here.</summary>
public enum SaeLrScheduler { Constant, Cosineannealing }

public sealed record SaeTrainConfig
{
    // ---- what to read -------------------------------------------------------------------------------
    /// <summary>Hugging Face checkpoint folder (config.json + model.safetensors). Not needed when activations come
    /// from another IActivationSource.</summary>
    public string? ModelPath { get; init; }
    /// <summary>Written to cfg.json's model_name (default: the model folder's name).</summary>
    public string? ModelName { get; init; }
    public required string HookName { get; init; }
    public int? HookHeadIndex { get; init; }
    /// <summary>Text file (one document per line) or, with IsDatasetTokenized, a token-id file; ".gz" is read as gzip.</summary>
    public string? DatasetPath { get; init; }
    /// <summary>dataset_path holds token ids: whitespace-separated integers, one document per line (or a ".json" array of arrays).</summary>
    public bool IsDatasetTokenized { get; init; }
    /// <summary>tokenizer.json file or folder (default: the model folder).</summary>
    public string? TokenizerPath { get; init; }
    public int ContextSize { get; init; } = 128;
    /// <summary>Every context starts with the BOS token (the next context_size - 1 corpus tokens follow it).</summary>
    public bool PrependBos { get; init; } = true;
    /// <summary>bos, eos or none: the token put between two documents of the stream.</summary>
    public SeparatorToken SequenceSeparatorToken { get; init; } = SeparatorToken.Bos;
    /// <summary>Drop activations at BOS / EOS / PAD positions before they reach the buffer.</summary>
    public bool ExcludeSpecialTokens { get; init; }
    /// <summary>BOS id when the tokenizer does not name one (token-id datasets); overrides the tokenizer's.</summary>
    public int? BosTokenId { get; init; }
    public int? EosTokenId { get; init; }

    // ---- the SAE ------------------------------------------------------------------------------------
    /// <summary>"standard", "topk", "batchtopk" or "jumprelu" (TrainingMethods.Names).</summary>
    public string Architecture { get; init; } = "standard";
    public required int DIn { get; init; }
    public required int DSae { get; init; }
    /// <summary>topk: features per token; batchtopk: mean features per token over a batch.</summary>
    public double? K { get; init; }
    public bool ApplyBDecToInput { get; init; } = true;
    /// <summary>"none" or "expected_average_only_in" (inputs scaled to norm sqrt(d_in); the factor is folded into the
    /// saved weights, as SAELens does at the end of training).</summary>
    public SaeNormalization NormalizeActivations { get; init; } = SaeConfig.NormNone;
    /// <summary>geometric_median, mean or zeros: b_dec's start, from the first buffer fill.</summary>
    public BDecInit BDecInitMethod { get; init; } = BDecInit.GeometricMedian;
    /// <summary>Norm of W_dec's rows at init (methods that keep rows at unit norm force 1).</summary>
    public double DecoderInitNorm { get; init; } = 1.0;

    // ---- losses -------------------------------------------------------------------------------------
    /// <summary>standard: weight of Σ_j f_j ‖W_dec[j]‖ (mean over tokens).</summary>
    public double L1Coefficient { get; init; } = 1.0;
    /// <summary>standard: the L1 weight ramps linearly from l1_coefficient/l1_warm_up_steps to l1_coefficient.</summary>
    public int L1WarmUpSteps { get; init; }
    /// <summary>jumprelu: weight of the L0 (features per token).</summary>
    public double L0Coefficient { get; init; } = 1.0;
    public int L0WarmUpSteps { get; init; }
    /// <summary>jumprelu: width ε of the rectangle kernel in the threshold's pseudo-derivative.</summary>
    public double JumpReluBandwidth { get; init; } = 0.001;
    public double JumpReluInitThreshold { get; init; } = 0.001;
    /// <summary>topk/batchtopk: latents reconstructing the residual in the AuxK loss (default d_in / 2).</summary>
    public int? AuxK { get; init; }
    /// <summary>topk/batchtopk: weight of the AuxK loss (Gao et al. 2024: 1/32); 0 turns it off.</summary>
    public double AuxKCoefficient { get; init; } = 1.0 / 32;
    /// <summary>batchtopk: rate of the running average of the smallest kept activation (the saved threshold).</summary>
    public double TopKThresholdLr { get; init; } = 0.01;

    // ---- optimisation -------------------------------------------------------------------------------
    public long TrainingTokens { get; init; }
    public int TrainBatchSizeTokens { get; init; } = 4096;
    public double Lr { get; init; } = 3e-4;
    public double AdamBeta1 { get; init; } = 0.9;
    public double AdamBeta2 { get; init; } = 0.999;
    /// <summary>"constant" (with warm-up and linear decay) or "cosineannealing" (warm-up, then cosine to lr_end).</summary>
    public SaeLrScheduler LrSchedulerName { get; init; } = SaeLrScheduler.Constant;
    public int LrWarmUpSteps { get; init; }
    /// <summary>constant: the last lr_decay_steps steps decay linearly to lr_end.</summary>
    public int LrDecaySteps { get; init; }
    /// <summary>Default: 0 for constant, lr / 10 for cosineannealing.</summary>
    public double? LrEnd { get; init; }
    /// <summary>Global gradient-norm clip (SAELens clips at 1); 0 = off.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    public ulong Seed { get; init; } = 42;

    // ---- the activation pipeline ---------------------------------------------------------------------
    /// <summary>Contexts per model forward pass.</summary>
    public int StoreBatchSizePrompts { get; init; } = 8;
    /// <summary>The shuffling buffer holds n_batches_in_buffer × train_batch_size_tokens activations (>= 2).</summary>
    public int NBatchesInBuffer { get; init; } = 16;

    // ---- bookkeeping --------------------------------------------------------------------------------
    /// <summary>A feature is dead after this many steps without firing (AuxK trains those).</summary>
    public int DeadFeatureWindow { get; init; } = 1000;
    /// <summary>sparsity.safetensors holds firing rates over the last window of this many steps.</summary>
    public int FeatureSamplingWindow { get; init; } = 2000;
    public int LogEverySteps { get; init; } = 100;
    /// <summary>Checkpoints go to checkpoint_path/step-N (step-0000012); n_checkpoints spreads that many over the run,
    /// checkpoint_every_steps writes one every N steps (either, or both, or neither).</summary>
    public string? CheckpointPath { get; init; }
    public int NCheckpoints { get; init; }
    public int CheckpointEverySteps { get; init; }
    /// <summary>Where the trained SAE is written (cfg.json + sae_weights.safetensors + sparsity.safetensors).</summary>
    public string? OutputPath { get; init; }

    /// <summary>Optimizer steps of the whole run: training_tokens / train_batch_size_tokens (rounded down).</summary>
    public int TotalSteps => (int)Math.Min(int.MaxValue, TrainingTokens / Math.Max(1, TrainBatchSizeTokens));

    /// <summary>Steps after which a checkpoint is written (sorted, without the last step: the output covers it).</summary>
    public IReadOnlyList<int> CheckpointSteps()
    {
        var s = new SortedSet<int>();
        int total = TotalSteps;
        for (int i = 1; i <= NCheckpoints; i++) s.Add((int)((long)total * i / (NCheckpoints + 1)));
        if (CheckpointEverySteps > 0) for (int t = CheckpointEverySteps; t < total; t += CheckpointEverySteps) s.Add(t);
        s.RemoveWhere(t => t <= 0 || t >= total);
        return s.ToArray();
    }

    /// <summary>Checks what can be checked without the model or the data; throws ArgumentException naming the key.</summary>
    public void Validate()
    {
        var arch = TrainingMethods.Get(Architecture);
        void Need(bool ok, string msg) { if (!ok) throw new ArgumentException(msg); }
        Need(!string.IsNullOrWhiteSpace(HookName), "hook_name is required (e.g. \"blocks.0.hook_resid_post\").");
        Need(DIn > 0, $"d_in = {DIn} must be positive (the width of the activation at hook_name).");
        Need(DSae > 0, $"d_sae = {DSae} must be positive (give d_sae or expansion_factor).");
        Need(ContextSize >= 1, $"context_size = {ContextSize} must be >= 1.");
        Need(!PrependBos || ContextSize >= 2, "context_size must be >= 2 when prepend_bos is true (the BOS takes one position).");
        Need(Enum.IsDefined(NormalizeActivations) && Enum.IsDefined(BDecInitMethod) && Enum.IsDefined(SequenceSeparatorToken) && Enum.IsDefined(LrSchedulerName),
            "normalize_activations, b_dec_init_method, sequence_separator_token and lr_scheduler_name must be values the reader accepts.");
        Need(DecoderInitNorm > 0 && double.IsFinite(DecoderInitNorm), $"decoder_init_norm = {DecoderInitNorm} must be a positive number.");
        Need(TrainingTokens > 0, $"training_tokens = {TrainingTokens} must be positive.");
        Need(TrainBatchSizeTokens > 0, $"train_batch_size_tokens = {TrainBatchSizeTokens} must be positive.");
        Need(TotalSteps >= 1, $"training_tokens ({TrainingTokens}) is less than one batch of train_batch_size_tokens ({TrainBatchSizeTokens}).");
        Need(Lr > 0 && double.IsFinite(Lr), $"lr = {Lr} must be a positive number.");
        Need(AdamBeta1 >= 0 && AdamBeta1 < 1 && AdamBeta2 >= 0 && AdamBeta2 < 1, $"adam_beta1 = {AdamBeta1} and adam_beta2 = {AdamBeta2} must be in [0, 1).");
        Need(LrWarmUpSteps >= 0 && LrDecaySteps >= 0 && LrWarmUpSteps + LrDecaySteps <= TotalSteps,
            $"lr_warm_up_steps ({LrWarmUpSteps}) + lr_decay_steps ({LrDecaySteps}) must be >= 0 and fit in the run's {TotalSteps} steps.");
        Need(LrEnd is null || (LrEnd >= 0 && LrEnd <= Lr), $"lr_end = {LrEnd} must be in [0, lr = {Lr}].");
        Need(MaxGradNorm >= 0 && double.IsFinite(MaxGradNorm), $"max_grad_norm = {MaxGradNorm} must be >= 0 (0 turns clipping off).");
        Need(L1Coefficient >= 0 && L0Coefficient >= 0 && AuxKCoefficient >= 0, "l1_coefficient, l0_coefficient and aux_k_coef must be >= 0.");
        Need(L1WarmUpSteps >= 0 && L0WarmUpSteps >= 0, "l1_warm_up_steps and l0_warm_up_steps must be >= 0.");
        Need(JumpReluBandwidth > 0 && JumpReluInitThreshold > 0, "jumprelu_bandwidth and jumprelu_init_threshold must be positive.");
        Need(TopKThresholdLr > 0 && TopKThresholdLr <= 1, $"topk_threshold_lr = {TopKThresholdLr} must be in (0, 1].");
        Need(AuxK is null || AuxK >= 1, $"aux_k = {AuxK} must be >= 1.");
        Need(StoreBatchSizePrompts >= 1, $"store_batch_size_prompts = {StoreBatchSizePrompts} must be >= 1.");
        Need(NBatchesInBuffer >= 2, $"n_batches_in_buffer = {NBatchesInBuffer} must be >= 2 (half the buffer is refilled while the other half mixes).");
        Need((long)NBatchesInBuffer * TrainBatchSizeTokens * DIn <= int.MaxValue,
            $"the buffer (n_batches_in_buffer {NBatchesInBuffer} × train_batch_size_tokens {TrainBatchSizeTokens} × d_in {DIn} floats) is too large; lower n_batches_in_buffer.");
        Need(DeadFeatureWindow >= 1 && FeatureSamplingWindow >= 1 && LogEverySteps >= 1, "dead_feature_window, feature_sampling_window and log_every_steps must be >= 1.");
        Need(NCheckpoints >= 0 && CheckpointEverySteps >= 0, "n_checkpoints and checkpoint_every_steps must be >= 0.");
        Need((NCheckpoints == 0 && CheckpointEverySteps == 0) || CheckpointPath is not null, "checkpoints are asked for (n_checkpoints / checkpoint_every_steps) but checkpoint_path is not set.");
        Need(HookHeadIndex is null or >= 0, $"hook_head_index = {HookHeadIndex} must be >= 0.");
        arch.Validate(this);
    }
}
