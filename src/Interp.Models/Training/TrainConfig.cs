// The training recipe read from train.json (snake_case keys): architecture and dims, schedule, optimizer,
// evaluation/checkpoint cadence, seed and data paths. Parse rejects unknown keys and wrong types; Validate
// reports every inconsistency at once. Not the data checks (TrainingData) nor the loop (Trainer).
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Interp.Models.Training;

public sealed class TrainConfigException(string message) : Exception(message);

public sealed record TrainConfig
{
    public string Arch { get; init; } = "gpt2";          // "gpt2" | "llama"
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
    public string SaveDtype { get; init; } = "f32";      // final model.safetensors: "f32" | "f16"

    public int ResolvedNKvHeads => NKvHeads ?? NHeads;
    public int ResolvedDMlp => DMlp ?? (Arch == "llama" ? (int)Math.Ceiling(DModel * 8.0 / 3 / 32) * 32 : 4 * DModel);

    /// <summary>Keys that only change logging or bookkeeping: a resumed run may differ in these.</summary>
    public static readonly string[] BookkeepingKeys = ["eval_every", "eval_batches", "checkpoint_every", "log_every", "tokenizer", "train_data", "heldout_data", "save_dtype"];

    private static readonly string[] Keys =
    [
        "arch", "n_layers", "d_model", "n_heads", "n_kv_heads", "d_mlp", "n_ctx", "tie_embeddings", "rope_theta",
        "steps", "batch_size", "lr", "min_lr", "warmup_steps", "weight_decay", "grad_clip", "beta1", "beta2", "eps",
        "eval_every", "eval_batches", "checkpoint_every", "log_every", "seed", "tokenizer", "train_data", "heldout_data", "save_dtype",
    ];

    public static TrainConfig Load(string path)
    {
        if (!File.Exists(path)) throw new TrainConfigException($"training config '{path}' does not exist; pass a JSON file such as evals/models/english-configs/train.json.");
        try { return Parse(File.ReadAllText(path), path); }
        catch (JsonException e) { throw new TrainConfigException($"{path} is not valid JSON: {e.Message}"); }
    }

    public static TrainConfig Parse(string json, string source = "train.json")
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        var o = doc.RootElement;
        if (o.ValueKind != JsonValueKind.Object) throw new TrainConfigException($"{source}: expected a JSON object of settings, found {o.ValueKind}.");
        var unknown = o.EnumerateObject().Select(p => p.Name).Where(n => !Keys.Contains(n)).ToList();
        if (unknown.Count > 0)
            throw new TrainConfigException($"{source}: unknown key(s) {string.Join(", ", unknown.Select(u => $"\"{u}\""))}; valid keys: {string.Join(", ", Keys)}.");
        var d = new TrainConfig();
        int I(string k, int dflt) => o.TryGetProperty(k, out var v) ? v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i
            : throw new TrainConfigException($"{source}: \"{k}\" must be an integer; found {v.GetRawText()}.") : dflt;
        int? IOpt(string k) => o.TryGetProperty(k, out var v) && v.ValueKind != JsonValueKind.Null ? I(k, 0) : null;
        double D(string k, double dflt) => o.TryGetProperty(k, out var v) ? v.ValueKind == JsonValueKind.Number ? v.GetDouble()
            : throw new TrainConfigException($"{source}: \"{k}\" must be a number; found {v.GetRawText()}.") : dflt;
        string? S(string k) => o.TryGetProperty(k, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null => null,
            _ => throw new TrainConfigException($"{source}: \"{k}\" must be a string; found {v.GetRawText()}."),
        } : null;
        bool B(string k, bool dflt) => o.TryGetProperty(k, out var v) ? v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean()
            : throw new TrainConfigException($"{source}: \"{k}\" must be true or false; found {v.GetRawText()}.") : dflt;
        ulong seed = d.Seed;
        if (o.TryGetProperty("seed", out var sv) && !(sv.ValueKind == JsonValueKind.Number && sv.TryGetUInt64(out seed)))
            throw new TrainConfigException($"{source}: \"seed\" must be a non-negative integer; found {sv.GetRawText()}.");
        return new TrainConfig
        {
            Arch = S("arch") ?? d.Arch, NLayers = I("n_layers", d.NLayers), DModel = I("d_model", d.DModel), NHeads = I("n_heads", d.NHeads),
            NKvHeads = IOpt("n_kv_heads"), DMlp = IOpt("d_mlp"), NCtx = I("n_ctx", d.NCtx), TieEmbeddings = B("tie_embeddings", d.TieEmbeddings),
            RopeTheta = D("rope_theta", d.RopeTheta), Steps = I("steps", d.Steps), BatchSize = I("batch_size", d.BatchSize), Lr = D("lr", d.Lr),
            MinLr = D("min_lr", d.MinLr), WarmupSteps = I("warmup_steps", d.WarmupSteps), WeightDecay = D("weight_decay", d.WeightDecay),
            GradClip = D("grad_clip", d.GradClip), Beta1 = D("beta1", d.Beta1), Beta2 = D("beta2", d.Beta2), Eps = D("eps", d.Eps),
            EvalEvery = I("eval_every", d.EvalEvery), EvalBatches = I("eval_batches", d.EvalBatches), CheckpointEvery = I("checkpoint_every", d.CheckpointEvery),
            LogEvery = I("log_every", d.LogEvery), Seed = seed, Tokenizer = S("tokenizer") ?? "", TrainData = S("train_data") ?? "",
            HeldoutData = S("heldout_data"), SaveDtype = S("save_dtype") ?? d.SaveDtype,
        };
    }

    /// <summary>Every problem with the numbers and names (not the files' contents), all in one exception.</summary>
    public void Validate()
    {
        var errs = new List<string>();
        void Need(bool ok, string msg) { if (!ok) errs.Add(msg); }
        Need(Arch is "gpt2" or "llama", $"arch must be \"gpt2\" or \"llama\" (got \"{Arch}\").");
        Need(NLayers >= 1, $"n_layers must be >= 1 (got {NLayers}).");
        Need(DModel >= 1 && NHeads >= 1, $"d_model and n_heads must be >= 1 (got {DModel}, {NHeads}).");
        if (DModel >= 1 && NHeads >= 1)
        {
            Need(DModel % NHeads == 0, $"d_model ({DModel}) is not divisible by n_heads ({NHeads}); each head needs d_model / n_heads dimensions.");
            if (Arch == "llama" && DModel % NHeads == 0) Need(DModel / NHeads % 2 == 0, $"llama rotary embeddings need an even d_head; d_model / n_heads = {DModel / NHeads}.");
        }
        if (NKvHeads is int kv)
        {
            Need(Arch == "llama", $"n_kv_heads applies to arch \"llama\" only (arch is \"{Arch}\"); remove it.");
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
        Need(SaveDtype is "f32" or "f16", $"save_dtype must be \"f32\" or \"f16\" (got \"{SaveDtype}\").");
        if (errs.Count > 0) throw new TrainConfigException($"invalid training config ({errs.Count} problem{(errs.Count > 1 ? "s" : "")}):\n  - {string.Join("\n  - ", errs)}");
    }

    /// <summary>The config as snake_case JSON (every key, defaults resolved) — written beside checkpoints.</summary>
    public JsonObject ToJson() => new()
    {
        ["arch"] = Arch, ["n_layers"] = NLayers, ["d_model"] = DModel, ["n_heads"] = NHeads,
        ["n_kv_heads"] = Arch == "llama" ? ResolvedNKvHeads : null, ["d_mlp"] = ResolvedDMlp, ["n_ctx"] = NCtx,
        ["tie_embeddings"] = TieEmbeddings, ["rope_theta"] = RopeTheta, ["steps"] = Steps, ["batch_size"] = BatchSize, ["lr"] = Lr,
        ["min_lr"] = MinLr, ["warmup_steps"] = WarmupSteps, ["weight_decay"] = WeightDecay, ["grad_clip"] = GradClip,
        ["beta1"] = Beta1, ["beta2"] = Beta2, ["eps"] = Eps, ["eval_every"] = EvalEvery, ["eval_batches"] = EvalBatches,
        ["checkpoint_every"] = CheckpointEvery, ["log_every"] = LogEvery, ["seed"] = Seed, ["tokenizer"] = Tokenizer,
        ["train_data"] = TrainData, ["heldout_data"] = HeldoutData, ["save_dtype"] = SaveDtype,
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
