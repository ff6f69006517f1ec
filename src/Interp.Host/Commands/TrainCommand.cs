// `interp train --config train.json --out DIR [--resume CKPT]`: trains a GPT-2 or Llama model from a JSON recipe,
// printing progress to stderr, and writes a Hugging Face checkpoint folder. Exit code 2 with one line for bad input
// (config, corpus, tokenizer, mismatched resume checkpoint) before any training starts.
using System.CommandLine;
using Interp.Models.Training;

namespace Interp.Host.Commands;

public static class TrainCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Training recipe (JSON; see evals/models/english-configs/train.json).", Required = true };
        var outDir = new Option<string>("--out") { Description = "Folder for the trained model (config.json, model.safetensors, tokenizer.json, metrics.jsonl).", Required = true };
        var resume = new Option<string?>("--resume") { Description = "Checkpoint folder (OUT/checkpoints/step-N) or a folder of them (the newest is used) to continue from." };
        var ckpt = new Option<string?>("--checkpoint-dir") { Description = "Where step-N checkpoints go (default OUT/checkpoints)." };
        var keep = new Option<int>("--keep-checkpoints") { Description = "Newest checkpoints to keep; 0 keeps all.", DefaultValueFactory = _ => 2 };
        var cmd = new Command("train", "Train a GPT-2 or Llama model on a tokenized corpus and write a Hugging Face checkpoint.") { config, outDir, resume, ckpt, keep };
        cmd.SetAction(r => Guard(() => Execute(r.GetValue(config)!, r.GetValue(outDir)!, r.GetValue(resume), r.GetValue(ckpt), r.GetValue(keep), Console.Error)));
        return cmd;
    }

    public static int Execute(string configPath, string outDir, string? resume, string? checkpointDir, int keep, TextWriter log)
    {
        var cfg = TrainConfig.Load(configPath);
        cfg.Validate(configPath);
        cfg.CheckMemory(configPath);
        using var trainer = Trainer.Prepare(cfg, new TrainOptions { OutDir = outDir, ResumeFrom = resume, CheckpointDir = checkpointDir, KeepCheckpoints = keep, Log = log });
        var r = trainer.Run();
        foreach (var (name, v) in new[] { ("train_loss", (double?)r.LastTrainLoss), ("heldout_loss", r.HeldoutLoss) })
            if (v is { } x && !double.IsFinite(x)) CliInputs.Warn($"{name} is {x}; it is reported as null.");
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
        {
            @out = outDir, steps = r.Steps, train_loss = Finite(r.LastTrainLoss), heldout_loss = Finite(r.HeldoutLoss), tokens_per_s = Math.Round(r.TokensPerSecond, 1), seconds = Math.Round(r.Seconds, 1),
        }));
        return 0;
    }

    private static double? Finite(double? v) => v is { } x && double.IsFinite(x) ? x : null;

    /// <summary>CliErrors.Guard, plus a diverged loss as one clear line.</summary>
    internal static int Guard(Func<int> body) => CliErrors.Guard(() =>
    {
        try { return body(); }
        catch (TrainingDivergedException e) { throw new CliException(e.Message); }
    });
}
