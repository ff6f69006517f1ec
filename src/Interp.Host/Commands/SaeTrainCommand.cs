// `interp sae train --config train.json [--resume | --resume-from DIR] [--max-steps N]`: trains an SAE on a model's
// activations as the JSON config says (keys: docs/sae-training.md), with progress lines on stderr, checkpoints, and a
// JSON summary on stdout. Ctrl-C finishes the current step, writes a checkpoint (when checkpoint_path is set), exits 130.
using System.CommandLine;
using System.Text.Json;
using Interp.Dictionaries.Training;

namespace Interp.Host.Commands;

public static class SaeTrainCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Training config: a JSON object with SAELens-like keys (model_path, hook_name, d_in, d_sae, architecture, k, training_tokens, ...).", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue from the latest checkpoint under the config's checkpoint_path." };
        var resumeFrom = new Option<string?>("--resume-from") { Description = "Continue from this checkpoint folder (checkpoint_path/step-0000100, say)." };
        var maxSteps = new Option<int?>("--max-steps") { Description = "Stop after this many steps in all (writing a checkpoint), e.g. to split a run." };
        var cmd = new Command("train", "Train a sparse autoencoder on activations streamed from a model over a corpus.") { config, resume, resumeFrom, maxSteps };
        cmd.SetAction(r => CliErrors.Guard(() => Train(r.GetValue(config)!, r.GetValue(resume), r.GetValue(resumeFrom), r.GetValue(maxSteps))));
        return cmd;
    }

    public static int Train(string configPath, bool resume, string? resumeFrom, int? maxSteps, CancellationToken cancel = default)
    {
        if (maxSteps is < 1) throw new CliException($"--max-steps must be >= 1 (got {maxSteps}).");
        if (resume && resumeFrom is not null) throw new CliException("give --resume or --resume-from, not both.");
        var cfg = SaeTrainConfigJson.Read(configPath);
        if (cfg.OutputPath is null && cfg.CheckpointPath is null)
            throw new CliException($"{configPath}: set output_path (where the trained SAE goes) and/or checkpoint_path; otherwise the run is lost.");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); Console.Error.WriteLine("interrupt: finishing this step, then checkpointing..."); };
        Console.CancelKeyPress += onCancel;
        try
        {
            using var trainer = Prepare(cfg, configPath, new SaeTrainOptions { Resume = resume, ResumeFrom = resumeFrom, StopAfterSteps = maxSteps, Log = Console.Error });
            Console.Error.WriteLine($"training {cfg.Architecture} SAE {cfg.DIn} x {cfg.DSae} at {cfg.HookName}: {cfg.TotalSteps} steps of {cfg.TrainBatchSizeTokens} tokens" +
                (trainer.Step > 0 ? $", resuming at step {trainer.Step}" : ""));
            SaeTrainResult r;
            try { r = trainer.Run(cts.Token); }
            catch (SaeTrainingDivergedException e) { throw new CliException(e.Message); }
            var last = r.History.Count > 0 ? r.History[^1] : null;
            var json = new Dictionary<string, object?>
            {
                ["completed"] = r.Completed, ["steps"] = r.Steps, ["total_steps"] = r.TotalSteps, ["tokens"] = r.Tokens,
                ["seconds"] = Math.Round(r.Seconds, 3), ["tokens_per_s"] = Math.Round(r.TokensPerSecond, 1),
                ["output_path"] = r.OutputPath, ["last_checkpoint"] = r.LastCheckpoint,
                ["last"] = last is null ? null : new Dictionary<string, object?>
                {
                    ["loss"] = Num(last.Loss), ["mse"] = Num(last.Mse), ["sparsity_loss"] = Num(last.SparsityLoss), ["aux_loss"] = Num(last.AuxLoss),
                    ["l0"] = Num(last.L0), ["explained_variance"] = Num(last.ExplainedVariance), ["dead_fraction"] = Num(last.DeadFraction),
                },
            };
            Console.WriteLine(JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
            if (!r.Completed && cts.IsCancellationRequested)
            {
                Console.Error.WriteLine(r.LastCheckpoint is null ? "interrupted; no checkpoint_path, so nothing was saved."
                    : $"interrupted at step {r.Steps}; resume with: interp sae train --config {configPath} --resume");
                return 130;
            }
            return 0;
        }
        finally { Console.CancelKeyPress -= onCancel; }
    }

    private static double? Num(double v) => double.IsFinite(v) ? v : null;

    /// <summary>SaeTrainer.Prepare, with its checks against the model and data (hook_name, d_in, context_size, token ids)
    /// reported as errors of the config file.</summary>
    private static SaeTrainer Prepare(SaeTrainConfig cfg, string configPath, SaeTrainOptions options)
    {
        try { return SaeTrainer.Prepare(cfg, options); }
        catch (ArgumentException e) when (e.GetType() == typeof(ArgumentException))
        {
            throw new Interp.Errors.ConfigException(e.Message.TrimEnd('.'), Path.GetFullPath(configPath), null, null, e);
        }
    }
}
