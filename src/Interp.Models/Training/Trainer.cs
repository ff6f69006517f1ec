// The training loop: Prepare checks the config, tokenizer, corpora and any resume checkpoint (every error
// before a single step), then Run takes AdamW steps on seeded batches under warmup + cosine, clips gradients,
// evaluates held-out loss, writes checkpoints and the final Hugging Face folder. Not the CLI (Host).
// Each step and evaluation batch runs in a TensorScope; the trainer owns the model and optimizer (Dispose).
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Interp.Models.Tokenizers;
using Interp.Tensors;
using Interp.Tensors.Optim;
using Interp.Errors;

namespace Interp.Models.Training;

public sealed record TrainOptions
{
    /// <summary>Folder for the final Hugging Face checkpoint (config.json, model.safetensors, tokenizer.json) and metrics.jsonl.</summary>
    public required string OutDir { get; init; }
    /// <summary>A checkpoint folder (or a folder of step-* checkpoints) to continue from.</summary>
    public string? ResumeFrom { get; init; }
    /// <summary>Where step-* checkpoints go (default OutDir/checkpoints).</summary>
    public string? CheckpointDir { get; init; }
    /// <summary>How many of the newest checkpoints to keep (older ones are deleted); 0 keeps all.</summary>
    public int KeepCheckpoints { get; init; } = 2;
    /// <summary>Progress lines (the CLI passes stderr); null is silent.</summary>
    public TextWriter? Log { get; init; }
}

public sealed record TrainResult(int Steps, double LastTrainLoss, double? HeldoutLoss, double TokensPerSecond, double Seconds,
    IReadOnlyList<(int Step, double Loss)> TrainLosses);

public sealed class Trainer : IDisposable
{
    public TrainConfig Config { get; }
    public TrainOptions Options { get; }
    public HookedTransformer Model { get; }
    public Tokenizer Tokenizer { get; }
    public int StartStep { get; }
    /// <summary>The trainable parameters under canonical names (the model's own tensors, updated in place).</summary>
    public IReadOnlyDictionary<string, Tensor> Parameters => Model.Arch.Weights;

    private readonly BatchSampler _train;
    private readonly BatchSampler? _heldout;
    private readonly TrainOptimizer _opt;
    private readonly string _trainFingerprint, _tokenizerFingerprint;
    private readonly double _elapsedBefore;

    private Trainer(TrainConfig cfg, TrainOptions opts, HookedTransformer model, Tokenizer tok, BatchSampler train, BatchSampler? heldout,
        TrainOptimizer opt, int startStep, string trainFp, string tokFp, double elapsedBefore)
    {
        Config = cfg; Options = opts; Model = model; Tokenizer = tok; _train = train; _heldout = heldout; _opt = opt;
        StartStep = startStep; _trainFingerprint = trainFp; _tokenizerFingerprint = tokFp; _elapsedBefore = elapsedBefore;
    }

    /// <summary>Validates everything and builds (or restores) the model and optimizer; throws ConfigException,
    /// FileNotFoundException or InvalidDataException with a clear message before any training.</summary>
    public static Trainer Prepare(TrainConfig cfg, TrainOptions opts)
    {
        cfg.Validate();
        if (cfg.EvalEvery > 0 && cfg.HeldoutData is null)
            throw new ConfigException($"eval_every is {cfg.EvalEvery} but no heldout_data is given; add a held-out corpus or set eval_every to 0.");
        var tokFile = HfExport.TokenizerFile(cfg.Tokenizer);
        var tok = TokenizerLoader.Load(tokFile);
        var trainIds = TokenData.Load(cfg.TrainData, tok, "train_data");
        if (trainIds.Length == 0) throw new ConfigException($"train_data '{cfg.TrainData}' is empty: it holds no tokens.");
        var train = new BatchSampler(trainIds, cfg.BatchSize, cfg.NCtx, cfg.Seed, $"train_data '{cfg.TrainData}'");
        BatchSampler? heldout = null;
        if (cfg.HeldoutData is { } hp)
        {
            var ids = TokenData.Load(hp, tok, "heldout_data");
            if (ids.Length == 0) throw new ConfigException($"heldout_data '{hp}' is empty: it holds no tokens.");
            heldout = new BatchSampler(ids, cfg.BatchSize, cfg.NCtx, cfg.Seed, $"heldout_data '{hp}'");
        }
        var mc = ModelInit.ModelConfigOf(cfg, tok.VocabSize);
        string trainFp = TokenData.Fingerprint(trainIds), tokFp = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(tokFile)))[..16];

        using var scope = TensorScope.Begin();                 // the model takes its weights out; the rest is freed here
        Dictionary<string, Tensor> weights;
        int start = 0;
        double elapsed = 0;
        Dictionary<string, Tensor>? optState = null;
        if (opts.ResumeFrom is { } resume)
        {
            var dir = TrainCheckpoint.Resolve(resume);
            var (ckCfg, state) = TrainCheckpoint.ReadMeta(dir);
            var diffs = cfg.TrajectoryDifferences(ckCfg);
            if (diffs.Count > 0)
                throw new ConfigException($"cannot resume from '{dir}': its training config differs from this one in {string.Join("; ", diffs)}. "
                    + "Resume with the checkpoint's train_config.json, or start a new run without --resume.");
            if (state.TrainFingerprint != trainFp)
                throw new ConfigException($"cannot resume from '{dir}': train_data tokens differ from the checkpoint's (fingerprint {trainFp} now, {state.TrainFingerprint} then).");
            if (state.TokenizerFingerprint != tokFp)
                throw new ConfigException($"cannot resume from '{dir}': the tokenizer differs from the one the checkpoint was trained with.");
            if (state.Step > cfg.Steps)
                throw new ConfigException($"cannot resume from '{dir}': it is at step {state.Step}, past steps = {cfg.Steps}.");
            var loaded = ModelLoader.Load(dir);
            weights = new Dictionary<string, Tensor>(loaded.Arch.Weights, StringComparer.Ordinal);
            var order = weights.Keys.OrderBy(n => n, StringComparer.Ordinal).ToArray();
            if (!order.SequenceEqual(state.ParamOrder))
                throw new InvalidDataException($"cannot resume from '{dir}': its parameters ({order.Length}) do not match its trainer state's list ({state.ParamOrder.Count}).");
            start = state.Step; elapsed = state.ElapsedSeconds;
            optState = TrainCheckpoint.ReadOptimizer(dir);
        }
        else weights = ModelInit.Create(mc, cfg.Seed);

        foreach (var w in weights.Values) w.RequireGrad();
        var model = new HookedTransformer(ModelLoader.Create(mc, weights)) { Source = opts.OutDir };
        var opt = new TrainOptimizer(model.Arch.Weights, cfg);
        if (optState is not null)
        {
            try { opt.LoadState(optState); }
            catch (ArgumentException e) { throw new InvalidDataException($"cannot resume: the checkpoint's optimizer state does not fit this model: {e.Message}"); }
        }
        return new Trainer(cfg, opts, model, tok, train, heldout, opt, start, trainFp, tokFp, elapsed);
    }

    /// <summary>Mean next-token loss over the held-out evaluation windows (eval_batches batches), or null without held-out data.</summary>
    public double? HeldoutLoss() => _heldout is null ? null : MeanLoss(_heldout, _heldout.EvalStarts(Config.EvalBatches));

    /// <summary>Mean next-token loss of the model over the given rows of <paramref name="sampler"/>, in batches.</summary>
    public double MeanLoss(BatchSampler sampler, int[] starts)
    {
        using var _ = Tensor.NoGrad();
        double sum = 0; int n = 0;
        for (int i = 0; i < starts.Length; i += Config.BatchSize)
        {
            using var scope = TensorScope.Begin();
            var (x, y) = sampler.Batch(starts.AsSpan(i, Math.Min(Config.BatchSize, starts.Length - i)));
            var logits = Model.Run(x);                                                // [batch, n_ctx, d_vocab]
            sum += TensorOps.CrossEntropy(logits.Reshape(-1, logits.Shape[2]), y).ItemDouble(); n++;
        }
        return sum / n;
    }

    /// <summary>One optimizer step on <paramref name="step"/>'s batch; returns (loss, grad norm before clipping).</summary>
    public (double Loss, double GradNorm) Step(int step, double lr)
    {
        using var scope = TensorScope.Begin();
        var (x, y) = _train.Batch(_train.Starts(step));
        var logits = Model.Run(x);                                                   // [batch, n_ctx, d_vocab]
        var loss = TensorOps.CrossEntropy(logits.Reshape(-1, logits.Shape[2]), y);    // over [batch·n_ctx, d_vocab]
        double l = loss.ItemDouble();
        if (!double.IsFinite(l))
            throw new TrainingDivergedException($"the training loss became {l} at step {step + 1} (lr {lr:0.00e+00}); lower lr or raise warmup_steps, and resume from the last checkpoint.", step + 1, l);
        loss.Backward();
        double norm = _opt.Clip(Config.GradClip);
        _opt.Step(lr);
        _opt.ZeroGrad();
        return (l, norm);
    }

    public TrainResult Run()
    {
        var cfg = Config;
        Directory.CreateDirectory(Options.OutDir);
        string metrics = Path.Combine(Options.OutDir, "metrics.jsonl");
        if (StartStep == 0 && File.Exists(metrics)) File.Delete(metrics);
        var progress = new TrainProgress(Options.Log, metrics, cfg.Steps);
        string ckptDir = Options.CheckpointDir ?? Path.Combine(Options.OutDir, "checkpoints");
        var sched = new WarmupCosine(cfg.Lr, cfg.WarmupSteps, cfg.Steps, cfg.MinLr);
        long tokensPerStep = (long)cfg.BatchSize * cfg.NCtx;
        var mc = Model.Config;
        long nParams = Parameters.Values.Sum(p => (long)p.Numel);
        progress.Line($"train: {cfg.ModelType}, {mc.NLayers} layers, d_model {mc.DModel}, {mc.NHeads} heads, d_mlp {mc.DMlp}, n_ctx {mc.NCtx}, vocab {mc.DVocab}, "
            + $"{nParams:N0} parameters; {_train.TokenCount:N0} train tokens, {tokensPerStep:N0} tokens/step, steps {StartStep}->{cfg.Steps}; backend {Backend.Current.Name}, {Par.Threads} threads");

        var wall = Stopwatch.StartNew();
        double intervalLoss = 0, intervalTrainSec = 0, lastLoss = double.NaN, lastNorm = 0, trainSec = 0;
        int intervalSteps = 0;
        double? heldout = null;
        var losses = new List<(int, double)>();
        for (int s = StartStep; s < cfg.Steps; s++)
        {
            double lr = sched.Lr(s);
            long t0 = Stopwatch.GetTimestamp();
            (lastLoss, lastNorm) = Step(s, lr);
            double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            trainSec += dt; intervalTrainSec += dt; intervalLoss += lastLoss; intervalSteps++;
            losses.Add((s + 1, lastLoss));
            int done = s + 1;
            if ((cfg.LogEvery > 0 && done % cfg.LogEvery == 0) || done == cfg.Steps)
            {
                double perStep = wall.Elapsed.TotalSeconds / (done - StartStep);
                progress.Train(done, intervalLoss / intervalSteps, lr, lastNorm, intervalSteps * tokensPerStep / intervalTrainSec,
                    _elapsedBefore + wall.Elapsed.TotalSeconds, perStep * (cfg.Steps - done));
                intervalLoss = 0; intervalTrainSec = 0; intervalSteps = 0;
            }
            if (_heldout is not null && ((cfg.EvalEvery > 0 && done % cfg.EvalEvery == 0) || done == cfg.Steps))
            {
                long e0 = Stopwatch.GetTimestamp();
                heldout = HeldoutLoss();
                progress.Eval(done, heldout!.Value, Stopwatch.GetElapsedTime(e0).TotalSeconds);
            }
            if (cfg.CheckpointEvery > 0 && done % cfg.CheckpointEvery == 0)
            {
                SaveCheckpoint(Path.Combine(ckptDir, CheckpointFolders.Name(done)), done, _elapsedBefore + wall.Elapsed.TotalSeconds);
                CheckpointFolders.Prune(ckptDir, Options.KeepCheckpoints);
            }
        }
        if (StartStep == cfg.Steps && _heldout is not null) heldout = HeldoutLoss();

        double seconds = _elapsedBefore + wall.Elapsed.TotalSeconds;
        var meta = new Dictionary<string, string>
        {
            ["interp_train_steps"] = cfg.Steps.ToString(), ["interp_train_seconds"] = seconds.ToString("F0"),
            ["interp_heldout_loss"] = heldout?.ToString("F4") ?? "",
        };
        HfExport.Save(Options.OutDir, cfg, Parameters, cfg.Tokenizer, Tokenizer.VocabSize, Tokenizer.EosId, cfg.SaveDtype == SaveDType.F16, meta);
        Interp.Tensors.IO.AtomicFile.WriteAllText(Path.Combine(Options.OutDir, TrainCheckpoint.ConfigFile), cfg.ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }), TrainCheckpoint.ConfigFile);
        double tps = trainSec > 0 ? (cfg.Steps - StartStep) * tokensPerStep / trainSec : 0;
        progress.Line($"done: {cfg.Steps} steps in {TrainProgress.Duration(seconds)}, {tps:F0} tok/s while training"
            + (heldout is double h ? $", heldout loss {h:F4}" : "") + $"; model written to {Options.OutDir}");
        return new TrainResult(cfg.Steps, lastLoss, heldout, tps, seconds, losses);
    }

    /// <summary>Writes a resumable checkpoint of the state after <paramref name="step"/> completed steps.</summary>
    public void SaveCheckpoint(string dir, int step, double elapsedSeconds)
    {
        var order = Parameters.Keys.OrderBy(n => n, StringComparer.Ordinal).ToArray();
        var state = new TrainState(step, Config.Seed, _trainFingerprint, _tokenizerFingerprint, order, elapsedSeconds);
        TrainCheckpoint.Save(dir, Config, Parameters, _opt, state, Tokenizer.VocabSize, Tokenizer.EosId);
    }

    /// <summary>Frees the model's weights and the optimizer's state.</summary>
    public void Dispose()
    {
        _opt.Dispose();
        Model.Dispose();
    }
}
