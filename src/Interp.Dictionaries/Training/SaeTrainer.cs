// Trains an SAE on activations streamed from an IActivationSource through the shuffling buffer: Adam with the
// configured lr schedule and gradient clipping, the architecture's loss (Methods/), decoder-row normalisation where
// the method needs it, dead-feature tracking for AuxK, progress lines on stderr, checkpoints that resume to the same
// result as an uninterrupted run, and the trained SAE written in SAELens's layout. Same vocabulary as the language-model
// Trainer: Prepare (checks everything, wires a model) then Run; step-N checkpoint folders; TrainingDivergedException.
// Each step runs in its own TensorScope.
using Interp.Models;
using Interp.Models.Tokenizers;
using Interp.Models.Training;
using Interp.Tensors;
using Interp.Tensors.Optim;

namespace Interp.Dictionaries.Training;

public sealed record SaeTrainOptions
{
    /// <summary>Where progress lines go (default: stderr).</summary>
    public TextWriter? Log { get; init; }
    /// <summary>Stop, with a checkpoint, once this many steps are done (as an interruption would).</summary>
    public int? StopAfterSteps { get; init; }
    /// <summary>Continue from the latest complete checkpoint under checkpoint_path.</summary>
    public bool Resume { get; init; }
    /// <summary>Continue from this checkpoint folder.</summary>
    public string? ResumeFrom { get; init; }
}

/// <summary>Averages over the steps since the previous line (Step = steps done).</summary>
public sealed record SaeTrainProgress(int Step, int TotalSteps, long Tokens, double Lr, double Loss, double Mse, double SparsityLoss,
    double AuxLoss, double L0, double ExplainedVariance, double DeadFraction, double TokensPerSecond);

public sealed record SaeTrainResult(int Steps, int TotalSteps, bool Completed, long Tokens, double Seconds, double TokensPerSecond,
    string? OutputPath, string? LastCheckpoint, IReadOnlyList<SaeTrainProgress> History);

/// <summary>The SAE's loss became NaN or infinite (a TrainingDivergedException, as the language-model trainer throws).</summary>
public sealed class SaeTrainingDivergedException(string message, int step, double loss) : TrainingDivergedException(message, step, loss);

public sealed class SaeTrainer : IDisposable
{
    public SaeTrainConfig Config { get; }
    public ISaeTrainingMethod Method { get; }
    public SaeParameters Parameters { get; }
    /// <summary>Optimizer steps done.</summary>
    public int Step { get; private set; }
    public long Tokens { get; private set; }
    /// <summary>sqrt(d_in) / mean ‖x‖ over the first buffer fill, when normalize_activations asks for it.</summary>
    public double? NormScalingFactor { get; }

    private readonly IActivationSource _source;
    private readonly ActivationBuffer _buffer;
    private readonly Adam _opt;
    private readonly ILrSchedule _lr;
    private readonly TextWriter _log;
    private readonly SaeTrainOptions _options;
    private readonly int[] _sinceFired;          // per feature: steps since it last fired
    private long[] _windowFires, _lastWindowFires;
    private int _windowSteps, _lastWindowSteps;
    private readonly float[] _batch;             // [batch, d_in]
    private string? _lastCheckpoint;

    /// <summary>A trainer over <paramref name="source"/> (whose rows must be d_in wide): fresh (fills the buffer, sets
    /// the norm factor and b_dec from it) or resumed from a checkpoint when the options say so.</summary>
    public SaeTrainer(SaeTrainConfig cfg, IActivationSource source, SaeTrainOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        ArgumentNullException.ThrowIfNull(source);
        cfg.Validate();
        if (source.DIn != cfg.DIn) throw new ArgumentException($"d_in = {cfg.DIn} but the activations are {source.DIn} wide; set d_in to {source.DIn}.");
        Config = cfg; _source = source; _options = options ?? new SaeTrainOptions();
        _log = _options.Log ?? Console.Error;
        Method = TrainingMethods.Create(cfg);
        _lr = new SaeLrSchedule(cfg);
        _buffer = new ActivationBuffer(source, cfg.TrainBatchSizeTokens, cfg.NBatchesInBuffer, cfg.Seed);
        _batch = new float[cfg.TrainBatchSizeTokens * cfg.DIn];
        _sinceFired = new int[cfg.DSae];
        _windowFires = new long[cfg.DSae]; _lastWindowFires = new long[cfg.DSae];

        string? resumeDir = _options.ResumeFrom;
        if (resumeDir is null && _options.Resume)
        {
            if (cfg.CheckpointPath is null) throw new ArgumentException("resume asks for the latest checkpoint but checkpoint_path is not set.");
            resumeDir = TrainerCheckpoint.Latest(cfg.CheckpointPath)
                ?? throw new ArgumentException($"resume: '{cfg.CheckpointPath}' holds no complete checkpoint (step-N folders with {TrainerCheckpoint.MetaFile}).");
        }
        else if (resumeDir is null && cfg.CheckpointPath is not null && TrainerCheckpoint.Latest(cfg.CheckpointPath) is { } existing)
            throw new ArgumentException($"checkpoint_path '{cfg.CheckpointPath}' already holds checkpoints ({Path.GetFileName(existing)}); resume from them, or point checkpoint_path elsewhere.");

        using var scope = TensorScope.Begin();   // what loading and init make; parameters and optimizer state are owned by their objects
        if (resumeDir is not null)
        {
            var s = TrainerCheckpoint.Load(resumeDir, cfg);
            NormScalingFactor = s.NormScalingFactor;
            Parameters = Restore(s, out _opt);
            _lastCheckpoint = resumeDir;
            return;
        }
        var rows = _buffer.InitialRows();
        if (cfg.NormalizeActivations == SaeConfig.NormExpectedAverageOnlyIn) NormScalingFactor = Sae.EstimateNormScalingFactor(rows, cfg.DIn);
        var bDec = SaeParameters.InitialBDec(rows, cfg.DIn, cfg.BDecInitMethod);
        if (NormScalingFactor is { } sf) for (int i = 0; i < bDec.Length; i++) bDec[i] = (float)(bDec[i] * sf);
        var rng = new Rng(ActivationBuffer.DeriveSeed(cfg.Seed, 0, 0));
        Parameters = SaeParameters.Init(cfg.DIn, cfg.DSae, Method.NormalizesDecoder ? 1.0 : cfg.DecoderInitNorm, bDec, rng);
        Method.InitParameters(Parameters);
        _opt = new Adam(Parameters.All, cfg.Lr, cfg.AdamBeta1, cfg.AdamBeta2);
    }

    /// <summary>Kept for callers written before issue 9: <see cref="Prepare"/>.</summary>
    public static SaeTrainer Create(SaeTrainConfig cfg, SaeTrainOptions? options = null) => Prepare(cfg, options);

    /// <summary>Kept for callers written before issue 9: <see cref="Run"/>.</summary>
    public SaeTrainResult Train(CancellationToken cancel = default) => Run(cancel);

    /// <summary>Loads the model at model_path, checks hook_name and d_in against its hook table, opens the tokenizer and
    /// corpus, and returns a trainer reading activations from them (it owns the model). Every error comes before a step.</summary>
    public static SaeTrainer Prepare(SaeTrainConfig cfg, SaeTrainOptions? options = null)
    {
        cfg.Validate();
        if (cfg.ModelPath is null) throw new ArgumentException("model_path is required (a Hugging Face checkpoint folder).");
        if (cfg.DatasetPath is null) throw new ArgumentException("dataset_path is required (a text file, one document per line, or token ids with is_dataset_tokenized).");
        var model = ModelLoader.Load(cfg.ModelPath);
        try { return Prepare(cfg, options, model); }
        catch { model.Dispose(); throw; }
    }

    private static SaeTrainer Prepare(SaeTrainConfig cfg, SaeTrainOptions? options, HookedTransformer model)
    {
        int width = ModelActivationSource.HookWidth(model, cfg.HookName, cfg.HookHeadIndex);
        if (width != cfg.DIn)
            throw new ArgumentException($"d_in = {cfg.DIn} but '{cfg.HookName}' of this {model.Config.ModelType} model is {width} wide; set d_in to {width}.");
        if (cfg.ContextSize > model.Config.NCtx)
            throw new ArgumentException($"context_size = {cfg.ContextSize} is longer than the model's context ({model.Config.NCtx}); lower it.");
        ITokenizer? tok = null;
        if (!cfg.IsDatasetTokenized)
        {
            tok = TokenizerLoader.Load(cfg.TokenizerPath ?? cfg.ModelPath!);
            if (tok.VocabSize > model.Config.DVocab)
                throw new ArgumentException($"the tokenizer has {tok.VocabSize} tokens but the model's vocabulary is {model.Config.DVocab}; is tokenizer_path the model's tokenizer?");
        }
        int? bos = cfg.BosTokenId ?? tok?.BosId, eos = cfg.EosTokenId ?? tok?.EosId;
        if (cfg.PrependBos && bos is null) throw new ArgumentException("prepend_bos is true but no BOS token id is known; set bos_token_id or prepend_bos false.");
        int? sep = cfg.SequenceSeparatorToken switch
        {
            SeparatorToken.Bos => bos ?? throw new ArgumentException("sequence_separator_token is \"bos\" but no BOS token id is known; set bos_token_id or sequence_separator_token \"none\"."),
            SeparatorToken.Eos => eos ?? throw new ArgumentException("sequence_separator_token is \"eos\" but no EOS token id is known; set eos_token_id or sequence_separator_token \"none\"."),
            _ => null,
        };
        foreach (var (name, id) in new[] { ("bos", bos), ("eos", eos) })
            if (id is { } v && (v < 0 || v >= model.Config.DVocab)) throw new ArgumentException($"{name} token id {v} is outside the model's vocabulary 0..{model.Config.DVocab - 1}.");
        var exclude = cfg.ExcludeSpecialTokens ? new[] { bos, eos, tok?.PadId }.Where(i => i is not null).Select(i => (long)i!.Value).ToArray() : null;
        var stream = new ContextStream(cfg.DatasetPath!, tok, cfg.ContextSize, cfg.PrependBos ? bos : null, sep);
        var source = new ModelActivationSource(model, cfg.HookName, cfg.HookHeadIndex, stream, cfg.StoreBatchSizePrompts, exclude, ownsModel: true);
        var named = cfg with { ModelName = cfg.ModelName ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(cfg.ModelPath!))) };
        try { return new SaeTrainer(named, source, options); }
        catch { source.Dispose(); throw; }
    }

    /// <summary>Trains until training_tokens are done, StopAfterSteps is reached or <paramref name="cancel"/> fires
    /// (the last two write a checkpoint when checkpoint_path is set). Writes the SAE to output_path at the end.</summary>
    public SaeTrainResult Run(CancellationToken cancel = default)
    {
        int total = Config.TotalSteps;
        var checkpoints = new HashSet<int>(Config.CheckpointSteps());
        var history = new List<SaeTrainProgress>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long startTokens = Tokens;
        var acc = new double[7];                  // loss, mse, sparsity, aux, l0, ev, steps
        bool stopped = false;
        while (Step < total)
        {
            if (cancel.IsCancellationRequested || (_options.StopAfterSteps is { } stop && Step >= stop)) { stopped = true; break; }
            var (loss, mse, sparsity, aux, l0, ev) = TrainStep();
            acc[0] += loss; acc[1] += mse; acc[2] += sparsity; acc[3] += aux; acc[4] += l0; acc[5] += ev; acc[6]++;
            if (Step % Config.LogEverySteps == 0 || Step == total)
            {
                double n = acc[6], secs = clock.Elapsed.TotalSeconds;
                var p = new SaeTrainProgress(Step, total, Tokens, _lr.Lr(Step - 1), acc[0] / n, acc[1] / n, acc[2] / n, acc[3] / n, acc[4] / n, acc[5] / n,
                    DeadFraction(), secs > 0 ? (Tokens - startTokens) / secs : 0);
                history.Add(p);
                _log.WriteLine($"step {p.Step}/{total} | loss {p.Loss:G4} | mse {p.Mse:G4} | sparsity {p.SparsityLoss:G3} | aux {p.AuxLoss:G3} | " +
                    $"L0 {p.L0:F1} | EV {p.ExplainedVariance:F3} | dead {p.DeadFraction:P1} | lr {p.Lr:G3} | {p.TokensPerSecond:N0} tok/s");
                Array.Clear(acc);
            }
            if (checkpoints.Contains(Step) && Config.CheckpointPath is not null) SaveCheckpoint();
        }
        if (stopped && Config.CheckpointPath is not null && _lastCheckpoint != CheckpointDir(Step)) SaveCheckpoint();
        string? output = null;
        if (!stopped && Config.OutputPath is not null)
        {
            using var sae = BuildSae();
            SaeOutputWriter.Save(sae, Config.OutputPath, Config.CheckpointPath is null ? null : SaveCheckpoint, _log);
            output = Path.GetFullPath(Config.OutputPath);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        return new SaeTrainResult(Step, total, !stopped, Tokens, seconds, seconds > 0 ? (Tokens - startTokens) / seconds : 0, output, _lastCheckpoint, history);
    }

    /// <summary>One optimizer step; returns (loss, mse, sparsity, aux, L0, explained variance) of the batch.</summary>
    internal (double, double, double, double, double, double) TrainStep()
    {
        int rows = Config.TrainBatchSizeTokens, d = Config.DIn;
        _buffer.NextBatch(_batch);
        if (NormScalingFactor is { } sf) System.Numerics.Tensors.TensorPrimitives.Multiply(_batch, (float)sf, _batch);
        var dead = new bool[Config.DSae];
        int deadCount = 0;
        for (int j = 0; j < dead.Length; j++) if (_sinceFired[j] >= Config.DeadFeatureWindow) { dead[j] = true; deadCount++; }
        _opt.Lr = _lr.Lr(Step);
        using var scope = TensorScope.Begin();                   // the batch, the step's graph and everything it made
        var x = Tensor.FromArray(_batch, rows, d);
        var o = Method.Forward(Parameters, new StepInput(x, Step, dead, deadCount));
        double loss = o.Loss.ItemDouble();
        if (!double.IsFinite(loss))
            throw new SaeTrainingDivergedException($"the loss is {loss} at step {Step + 1}; training diverged. Lower lr (now {Config.Lr}) or the sparsity coefficient" +
                (_lastCheckpoint is null ? "." : $"; the last good checkpoint is {_lastCheckpoint}."), Step + 1, loss);
        _opt.ZeroGrad();
        o.Loss.Backward();
        if (Method.NormalizesDecoder) Parameters.ProjectDecoderGradient();
        if (Config.MaxGradNorm > 0) GradClip.ClipGlobalNorm(Parameters.All, Config.MaxGradNorm);
        _opt.Step();
        _opt.ZeroGrad();
        if (Method.NormalizesDecoder) Parameters.NormalizeDecoderRows();
        Method.AfterStep(o);

        var rec = new ReconstructionStats(d);
        rec.Add<float>(_batch, o.XHat.ToArray());
        for (int j = 0; j < _sinceFired.Length; j++)
        {
            _sinceFired[j] = o.Fired[j] ? 0 : _sinceFired[j] + 1;
            _windowFires[j] += o.FireCounts[j];
        }
        if (++_windowSteps >= Config.FeatureSamplingWindow)
        {
            (_lastWindowFires, _windowFires) = (_windowFires, _lastWindowFires);
            Array.Clear(_windowFires);
            _lastWindowSteps = _windowSteps; _windowSteps = 0;
        }
        Step++;
        Tokens += rows;
        return (loss, rec.MseSumOverDIn, o.SparsityLoss, o.AuxLoss, o.L0, rec.ExplainedVariance);
    }

    /// <summary>Fraction of features that have not fired for dead_feature_window steps.</summary>
    public double DeadFraction() => _sinceFired.Count(s => s >= Config.DeadFeatureWindow) / (double)_sinceFired.Length;

    /// <summary>The SAE as trained so far, in input units (the norm factor folded in), with log10 firing rates over the
    /// last feature_sampling_window steps (the current window when none has completed).</summary>
    public Sae BuildSae()
    {
        var c = Config;
        var hook = _source.Hook;                 // the model hook's table record (null for sources without a model)
        var extra = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["training_tokens"] = Tokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["trainer"] = "\"interp sae train\"",
        };
        var cfg = new SaeConfig
        {
            Architecture = Method.Name, DIn = c.DIn, DSae = c.DSae, K = c.K, ApplyBDecToInput = c.ApplyBDecToInput,
            NormalizeActivations = NormScalingFactor is null ? SaeConfig.NormNone : SaeConfig.NormExpectedAverageOnlyIn, NormScalingFactor = NormScalingFactor,
            ReshapeActivations = hook?.Kind == HookKind.Z && c.HookHeadIndex is null ? SaeReshape.HookZ : SaeReshape.None,
            HookName = c.HookName, HookLayer = hook?.Layer, HookHeadIndex = c.HookHeadIndex, ModelName = c.ModelName, ContextSize = c.ContextSize,
            PrependBos = c.PrependBos, DatasetPath = c.DatasetPath is null ? null : Path.GetFileName(c.DatasetPath), Extra = extra,
        };
        using var scope = TensorScope.Begin();
        Tensor Copy(Tensor t) { var y = Tensor.Empty(t.Shape); TensorOps.CopyInto(y, t.Detach()); return y; }
        Sae sae;
        using (Tensor.NoGrad())
            sae = new Sae(cfg, Copy(Parameters.WEnc), Copy(Parameters.BEnc), Copy(Parameters.WDec), Copy(Parameters.BDec), Method.Threshold(Parameters), "trained SAE");
        var (fires, steps) = _lastWindowSteps > 0 ? (_lastWindowFires, _lastWindowSteps) : (_windowFires, _windowSteps);
        if (steps > 0)
        {
            double tokens = (double)steps * c.TrainBatchSizeTokens;
            sae.LogSparsity = Tensor.FromArray(fires.Select(f => (float)Math.Log10(f / tokens + 1e-10)).ToArray(), c.DSae);
        }
        if (NormScalingFactor is null) return sae;
        using (sae) return sae.FoldNormScalingFactor();
    }

    private string CheckpointDir(int step) => Path.Combine(Config.CheckpointPath!, CheckpointFolders.Name(step));

    /// <summary>Writes checkpoint_path/step-N (CheckpointFolders.Name(Step)) and returns its path.</summary>
    public string SaveCheckpoint()
    {
        if (Config.CheckpointPath is null) throw new InvalidOperationException("checkpoint_path is not set.");
        using var scope = TensorScope.Begin();   // the optimizer state copies
        var state = new TrainerState(Step, Tokens, NormScalingFactor, Parameters.Named.ToDictionary(n => n.name, n => n.tensor), _opt.GetState(),
            _buffer.GetState(), _source.GetState(), _sinceFired, _windowFires, _windowSteps, _lastWindowFires, _lastWindowSteps, Method.GetState());
        using var sae = BuildSae();
        _lastCheckpoint = TrainerCheckpoint.Save(CheckpointDir(Step), state, sae, Config);
        _log.WriteLine($"checkpoint: {_lastCheckpoint}");
        return _lastCheckpoint;
    }

    private SaeParameters Restore(TrainerState s, out Adam opt)
    {
        Tensor Take(string n) => s.Parameters.TryGetValue(n, out var t) ? t : throw new InvalidDataException($"the checkpoint has no parameter '{n}'.");
        var p = new SaeParameters(Take(Sae.WEncName), Take(Sae.BEncName), Take(Sae.WDecName), Take(Sae.BDecName));
        foreach (var (n, t) in s.Parameters)
            if (n is not (Sae.WEncName or Sae.BEncName or Sae.WDecName or Sae.BDecName)) p.AddExtra(n, t);
        if (p.DIn != Config.DIn || p.DSae != Config.DSae) throw new ArgumentException($"the checkpoint's SAE is {p.DIn} × {p.DSae}; the config says d_in {Config.DIn}, d_sae {Config.DSae}.");
        opt = new Adam(p.All, Config.Lr, Config.AdamBeta1, Config.AdamBeta2);
        opt.LoadState(s.Optimizer);                // copies: the loaded tensors go with the constructor's scope
        Method.LoadState(s.Method);
        _buffer.LoadState(s.Buffer);
        _source.LoadState(s.Source);
        if (s.SinceFired.Length != Config.DSae) throw new InvalidDataException("the checkpoint's dead-feature counters do not match d_sae.");
        s.SinceFired.CopyTo(_sinceFired, 0);
        _windowFires = s.WindowFires; _lastWindowFires = s.LastWindowFires; _windowSteps = s.WindowSteps; _lastWindowSteps = s.LastWindowSteps;
        Step = s.Step; Tokens = s.Tokens;
        return p;
    }

    /// <summary>Frees the parameters and optimizer state, and the source (with the model Prepare loaded).</summary>
    public void Dispose()
    {
        _opt.Dispose();
        Parameters.Dispose();
        _source.Dispose();
    }
}
