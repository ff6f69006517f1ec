// `interp sae eval --model DIR --sae DIR --input-ids ids.json`: prints one JSON object (Dictionaries/Metrics/SaeEvalReport) with the SAE's reconstruction,
// sparsity and downstream (CE loss recovered, KL) metrics over the given token ids, each with its definition.
// `interp sae train` is SaeTrainCommand.cs. (The latent cache adds its own subcommands here.)
using System.CommandLine;
using System.Text.Json;
using Interp.Dictionaries;
using Interp.Models;

namespace Interp.Host.Commands;

public static class SaeCommand
{
    public static Command Create()
    {
        var cmd = new Command("sae", "Sparse autoencoders: train and evaluate SAELens-format SAEs on a model.");
        cmd.Subcommands.Add(CreateEval());
        cmd.Subcommands.Add(SaeTrainCommand.Create());
        return cmd;
    }

    private static Command CreateEval()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face checkpoint folder (config.json + model.safetensors).", Required = true };
        var sae = new Option<string>("--sae") { Description = "SAELens SAE folder (cfg.json + sae_weights.safetensors); it is read at its cfg.json hook_name.", Required = true };
        var ids = new Option<string>("--input-ids") { Description = "JSON file: an array of equal-length arrays of token ids (at least 2 per row).", Required = true };
        var batch = new Option<int>("--batch-rows") { Description = "Rows per forward pass.", DefaultValueFactory = _ => 8 };
        var dead = new Option<double>("--dead-threshold") { Description = "A feature is dead when its firing rate (fraction of tokens where it is nonzero) is <= this.", DefaultValueFactory = _ => 0 };
        var dense = new Option<double>("--dense-threshold") { Description = "A feature is dense when its firing rate is > this.", DefaultValueFactory = _ => 0.1 };
        var truncate = CliInputs.TruncateOption();
        var allowNonFinite = CliInputs.AllowNonFiniteOption();
        var cmd = new Command("eval", "Print an SAE's metrics (MSE, explained variance, L0, L1, dead/dense, cosine, norm ratio, CE loss recovered, KL) as JSON.")
            { model, sae, ids, batch, dead, dense, truncate, allowNonFinite };
        cmd.SetAction(r => CliErrors.Guard(() => Eval(r.GetValue(model)!, r.GetValue(sae)!, r.GetValue(ids)!,
            new SaeEvalOptions(r.GetValue(batch), r.GetValue(dead), r.GetValue(dense)), r.GetValue(truncate), r.GetValue(allowNonFinite))));
        return cmd;
    }

    public static int Eval(string modelDir, string saeDir, string idsPath, SaeEvalOptions options, bool truncate = false, bool allowNonFinite = false)
    {
        if (options.BatchRows <= 0) throw new CliException($"--batch-rows must be positive (got {options.BatchRows}).");
        if (!(options.DeadThreshold >= 0 && options.DeadThreshold <= 1) || !(options.DenseThreshold >= 0 && options.DenseThreshold <= 1))
            throw new CliException($"--dead-threshold and --dense-threshold are firing rates in [0, 1] (got {options.DeadThreshold}, {options.DenseThreshold}).");
        using var m = ModelLoader.Load(modelDir, null, allowNonFinite, CliInputs.Warn);
        using var s = Sae.Load(saeDir);
        CliInputs.CheckSaeFits(m, s, saeDir);
        using var tokens = CliInputs.ReadIdsFor(m.Config, idsPath, truncate);
        CliInputs.EnsureForwardFits(m.Config, Math.Min(options.BatchRows, tokens.Shape[0]), tokens.Shape[1], cacheAll: false, withGrad: false, "sae eval");
        if (tokens.Shape[1] < 2) throw new CliException($"{idsPath}: the CE-loss metrics need rows of at least 2 tokens; got {tokens.Shape[1]}.");
        var r = SaeEvaluator.Evaluate(m, s, tokens, options);
        var json = SaeEvalReport.Of(m.Source, Path.GetFullPath(saeDir), s, r);
        Console.WriteLine(JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }
}
