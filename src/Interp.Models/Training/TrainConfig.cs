// The training recipe read from train.json (snake_case keys) by the one config serializer (Interp.Config.ConfigJson):
// architecture and dims, schedule, optimizer, evaluation/checkpoint cadence, seed and data paths. Unknown keys name the
// nearest known one, wrong types name the key and the expected type; Validate reports every inconsistency at once.
// Not the data checks (TrainingData) nor the loop (Trainer).
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Interp.Config;
using Interp.Errors;
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Models.Training;

/// <summary>The architectures `interp train` builds.</summary>
public enum TrainArch { Gpt2, Llama }

/// <summary>How the final model.safetensors is stored.</summary>
public enum SaveDType { F32, F16 }

public sealed record TrainConfig
{
    public TrainArch Arch { get; init; } = TrainArch.Gpt2;
    public int NLayers { get; init; } = 2;
    public int DModel { get; init; } = 64;
    public int NHeads { get; init; } = 4;
    public int? NKvHeads { get; init; }                  // llama only; default n_heads
    public int? DMlp { get; init; }                      // default 4·d_model (gpt2), 8/3·d_model rounded to 32 (llama)
    public int NCtx { get; init; } = 64;
    public bool TieEmbeddings { get; init; } = true;
    public double RopeTheta { get; init; } = 10000.0;    // llama only

    public int Steps { get; init; } = 100;
    public int BatchSize { get; init; } = 8;
    public double Lr { get; init; } = 1e-3;
    public double MinLr { get; init; } = 1e-4;
    public int WarmupSteps { get; init; } = 10;
    public double WeightDecay { get; init; } = 0.1;
    public double GradClip { get; init; } = 1.0;         // global L2 norm; 0 = off
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.95;
    public double Eps { get; init; } = 1e-8;

    public int EvalEvery { get; init; } = 0;             // steps between held-out evaluations; 0 = only at the end
    public int EvalBatches { get; init; } = 4;
    public int CheckpointEvery { get; init; } = 0;       // 0 = no intermediate checkpoints
    public int LogEvery { get; init; } = 10;
    public ulong Seed { get; init; } = 1;

    public string Tokenizer { get; init; } = "";         // tokenizer.json (or a folder holding one)
    public string TrainData { get; init; } = "";         // .txt / .txt.gz (encoded on load) or .bin (int32 ids)
    public string? HeldoutData { get; init; }            // same forms; needed for held-out loss
    public SaveDType SaveDtype { get; init; } = SaveDType.F32;   // final model.safetensors

    [JsonIgnore] public int ResolvedNKvHeads => NKvHeads ?? NHeads;
    [JsonIgnore] public int ResolvedDMlp => DMlp ?? (Arch == TrainArch.Llama ? (int)Math.Ceiling(DModel * 8.0 / 3 / 32) * 32 : 4 * DModel);
    /// <summary>"gpt2" or "llama": the Hugging Face model_type this recipe builds.</summary>
    [JsonIgnore] public string ModelType => ConfigJson.EnumName(Arch);

    /// <summary>Keys that only change logging or bookkeeping: a resumed run may differ in these.</summary>
    public static readonly string[] BookkeepingKeys = ["eval_every", "eval_batches", "checkpoint_every", "log_every", "tokenizer", "train_data", "heldout_data", "save_dtype"];

    public static TrainConfig Load(string path)
    {
        if (FileKinds.Of(path) == FileKind.Missing)
            throw new ConfigException("the training config does not exist", path, null, "pass a JSON file such as evals/models/english-configs/train.json");
        return Parse(InputFiles.ReadAllText(path, "the training config"), path);
    }

    public static TrainConfig Parse(string json, string source = "train.json") =>
        ConfigJson.Parse<TrainConfig>(json, source, new ConfigRules(What: "a training config (see evals/models/english-configs/train.json)"));

    /// <summary>The weights, Adam's two moments and the gradients, plus one batch's activations with gradients: refuses
    /// (ResourceException) when even that lower bound (the vocabulary, unknown until the tokenizer is read, left out)
    /// cannot fit in this machine's memory. Runs before anything is allocated.</summary>
    public void CheckMemory(string source)
    {
        const int vocab = 0;
        var mc = new ModelConfig
        {
            ModelType = ModelType, NLayers = NLayers, DModel = DModel, NHeads = NHeads, NKvHeads = ResolvedNKvHeads, DHead = DModel / Math.Max(NHeads, 1),
            DMlp = ResolvedDMlp, DVocab = vocab, NCtx = NCtx, Eps = 1e-5, Norm = Arch == TrainArch.Llama ? NormKind.RmsNorm : NormKind.LayerNorm,
            Positions = Arch == TrainArch.Llama ? PositionKind.Rotary : PositionKind.Learned, Act = ActivationKind.GeluNew,
            GatedMlp = Arch == TrainArch.Llama, ParallelResidual = false, TiedEmbeddings = TieEmbeddings,
        };
        MemoryBudget.EnsureFits(4 * mc.WeightBytes() + mc.ActivationBytes(BatchSize, NCtx, cacheAll: true, withGrad: true),
            $"training this model (weights, gradients, Adam state and a batch of {BatchSize} x {NCtx} tokens)", source,
            "lower n_layers, d_model, batch_size or n_ctx");
    }

    /// <summary>Every problem with the numbers and names (not the files' contents), all in one exception.</summary>
    public void Validate(string? source = null)
    {
        var errs = new List<string>();
        void Need(bool ok, string msg) { if (!ok) errs.Add(msg); }
        Need(NLayers >= 1, $"n_layers must be >= 1 (got {NLayers}).");
        Need(DModel >= 1 && NHeads >= 1, $"d_model and n_heads must be >= 1 (got {DModel}, {NHeads}).");
        if (DModel >= 1 && NHeads >= 1)
        {
            Need(DModel % NHeads == 0, $"d_model ({DModel}) is not divisible by n_heads ({NHeads}); each head needs d_model / n_heads dimensions.");
            if (Arch == TrainArch.Llama && DModel % NHeads == 0) Need(DModel / NHeads % 2 == 0, $"llama rotary embeddings need an even d_head; d_model / n_heads = {DModel / NHeads}.");
        }
        if (NKvHeads is int kv)
        {
            Need(Arch == TrainArch.Llama, $"n_kv_heads applies to arch \"llama\" only (arch is \"{ModelType}\"); remove it.");
            Need(kv >= 1 && NHeads % Math.Max(kv, 1) == 0, $"n_heads ({NHeads}) must be a multiple of n_kv_heads ({kv}).");
        }
        Need(ResolvedDMlp >= 1, $"d_mlp must be >= 1 (got {ResolvedDMlp}).");
        Need(NCtx >= 2, $"n_ctx must be >= 2 (got {NCtx}): next-token training needs at least two positions.");
        Need(RopeTheta > 0, $"rope_theta must be > 0 (got {RopeTheta}).");
        Need(Steps >= 1, $"steps must be >= 1 (got {Steps}).");
        Need(BatchSize >= 1, $"batch_size must be >= 1 (got {BatchSize}).");
        Need(Lr > 0 && double.IsFinite(Lr), $"lr must be finite and > 0 (got {Lr}).");
        Need(MinLr >= 0 && MinLr <= Lr, $"min_lr must be in [0, lr = {Lr}] (got {MinLr}).");
        Need(WarmupSteps >= 0 && WarmupSteps <= Steps, $"warmup_steps must be in [0, steps = {Steps}] (got {WarmupSteps}).");
        Need(WeightDecay >= 0 && WeightDecay * Lr < 1, $"weight_decay must be >= 0 with lr·weight_decay < 1 (got {WeightDecay}).");
        Need(GradClip >= 0 && double.IsFinite(GradClip), $"grad_clip must be >= 0 (0 turns clipping off; got {GradClip}).");
        Need(Beta1 >= 0 && Beta1 < 1 && Beta2 >= 0 && Beta2 < 1, $"beta1 and beta2 must be in [0, 1) (got {Beta1}, {Beta2}).");
        Need(Eps > 0, $"eps must be > 0 (got {Eps}).");
        Need(EvalEvery >= 0 && CheckpointEvery >= 0 && LogEvery >= 0, $"eval_every, checkpoint_every and log_every must be >= 0 (got {EvalEvery}, {CheckpointEvery}, {LogEvery}).");
        Need(EvalBatches >= 1, $"eval_batches must be >= 1 (got {EvalBatches}).");
        Need(Tokenizer.Length > 0, "tokenizer is required: the path of a tokenizer.json (train one with `interp tokenizer train`).");
        Need(TrainData.Length > 0, "train_data is required: a .txt/.txt.gz corpus or a .bin of int32 token ids (`interp corpus encode`).");
        if (errs.Count > 0) throw new ConfigException($"invalid training config ({errs.Count} problem{(errs.Count > 1 ? "s" : "")}):\n  - {string.Join("\n  - ", errs)}", source);
    }

    /// <summary>The config as snake_case JSON (every key, defaults resolved) — written beside checkpoints.</summary>
    public JsonObject ToJson() => new()
    {
        ["arch"] = ModelType, ["n_layers"] = NLayers, ["d_model"] = DModel, ["n_heads"] = NHeads,
        ["n_kv_heads"] = Arch == TrainArch.Llama ? ResolvedNKvHeads : null, ["d_mlp"] = ResolvedDMlp, ["n_ctx"] = NCtx,
        ["tie_embeddings"] = TieEmbeddings, ["rope_theta"] = RopeTheta, ["steps"] = Steps, ["batch_size"] = BatchSize, ["lr"] = Lr,
        ["min_lr"] = MinLr, ["warmup_steps"] = WarmupSteps, ["weight_decay"] = WeightDecay, ["grad_clip"] = GradClip,
        ["beta1"] = Beta1, ["beta2"] = Beta2, ["eps"] = Eps, ["eval_every"] = EvalEvery, ["eval_batches"] = EvalBatches,
        ["checkpoint_every"] = CheckpointEvery, ["log_every"] = LogEvery, ["seed"] = Seed, ["tokenizer"] = Tokenizer,
        ["train_data"] = TrainData, ["heldout_data"] = HeldoutData, ["save_dtype"] = ConfigJson.EnumName(SaveDtype),
    };

    /// <summary>Keys (outside <see cref="BookkeepingKeys"/>) whose values differ, as "key: this vs other".</summary>
    public List<string> TrajectoryDifferences(TrainConfig other)
    {
        var a = ToJson(); var b = other.ToJson();
        var diffs = new List<string>();
        foreach (var (k, v) in a)
        {
            if (BookkeepingKeys.Contains(k)) continue;
            string x = v?.ToJsonString() ?? "null", y = b[k]?.ToJsonString() ?? "null";
            if (x != y) diffs.Add($"{k}: {y} in the checkpoint vs {x} now");
        }
        return diffs;
    }
}
