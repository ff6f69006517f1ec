// `interp run`: one forward (and optionally backward) pass of a checkpoint over token ids, writing
// logits, loss, cached hook activations and their gradients to a safetensors file (the work is Dictionaries/Runs/ModelRun;
// this verb parses, checks the inputs and prints the record). --sae DIR splices SAEs in,
// adding their hook points (<hook>.hook_sae_acts_post, ...) to what --hooks can save. Rows longer than the context are an
// error (or cut with --truncate); an undefined loss is written as JSON null with a warning.
using System.CommandLine;
using System.Text.Json;
using Interp.Dictionaries;
using Interp.Dictionaries.Runs;
using Interp.Models;
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Host.Commands;

public static class RunCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face checkpoint folder (config.json + model.safetensors).", Required = true };
        var ids = new Option<string>("--input-ids") { Description = "JSON file: an array of equal-length arrays of token ids.", Required = true };
        var hooks = new Option<string?>("--hooks") { Description = "'all' or comma-separated hook names to save as act.<hook>." };
        var grad = new Option<string?>("--grad") { Description = "'loss': also save grad.<hook> = d loss / d activation for the saved hooks." };
        var outPath = new Option<string>("--out") { Description = "Output .safetensors file.", Required = true };
        var foldLn = new Option<bool>("--fold-ln") { Description = "Fold each norm's weight (and LayerNorm bias) into the layers reading it (TransformerLens fold_ln)." };
        var centerWriting = new Option<bool>("--center-writing-weights") { Description = "Remove the d_model mean of every residual-stream writer (LayerNorm models only)." };
        var centerUnembed = new Option<bool>("--center-unembed") { Description = "Remove the vocabulary mean of the unembedding (logits shift by a per-position constant)." };
        var foldValue = new Option<bool>("--fold-value-biases") { Description = "Fold the value biases into the attention output bias (b_V becomes 0)." };
        var sae = new Option<string[]>("--sae") { Description = "SAELens SAE folder (cfg.json + sae_weights.safetensors) to splice in at its hook_name; repeat for several hooks.", AllowMultipleArgumentsPerToken = false };
        var saeReplace = new Option<bool>("--sae-replace") { Description = "Splice SAEs without the error term: the model runs on their reconstructions (logits and loss change). Default: with it (logits unchanged)." };
        var truncate = CliInputs.TruncateOption();
        var allowNonFinite = CliInputs.AllowNonFiniteOption();
        var cmd = new Command("run", "Run a model over token ids and save logits, loss, activations and gradients.")
            { model, ids, hooks, grad, outPath, foldLn, centerWriting, centerUnembed, foldValue, sae, saeReplace, truncate, allowNonFinite };
        cmd.SetAction(r => CliErrors.Guard(() => Execute(r.GetValue(model)!, r.GetValue(ids)!, r.GetValue(hooks), r.GetValue(grad), r.GetValue(outPath)!,
            new WeightProcessing(r.GetValue(foldLn), r.GetValue(centerWriting), r.GetValue(centerUnembed), r.GetValue(foldValue)),
            r.GetValue(sae), r.GetValue(saeReplace), r.GetValue(truncate), r.GetValue(allowNonFinite))));
        return cmd;
    }

    public static int Execute(string modelDir, string idsPath, string? hooks, string? grad, string outPath, WeightProcessing? processing = null,
        IReadOnlyList<string>? saeDirs = null, bool saeReplace = false, bool truncate = false, bool allowNonFinite = false)
    {
        if (grad is not null && grad != "loss") throw new CliException($"--grad accepts only 'loss' (got '{grad}').");
        AtomicFile.CheckTarget(Path.GetFullPath(outPath), "--out");
        using var model = ModelLoader.Load(modelDir, processing ?? WeightProcessing.None, allowNonFinite, CliInputs.Warn);
        using var tokens = CliInputs.ReadIdsFor(model.Config, idsPath, truncate);
        CliInputs.EnsureForwardFits(model.Config, tokens.Shape[0], tokens.Shape[1], cacheAll: hooks is not null, withGrad: grad is not null, "this run");
        var saes = new List<(Sae, string)>();
        try
        {
            foreach (var dir in saeDirs ?? Array.Empty<string>())
            {
                var s = Sae.Load(dir);
                saes.Add((s, dir));
                CliInputs.CheckSaeFits(model, s, dir);
            }
            var hookList = hooks is null ? null : hooks == "all" ? new[] { "all" }
                : hooks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            ModelRunResult r;
            try { r = ModelRun.Run(model, tokens, new ModelRunRequest(outPath, hookList, grad == "loss", saes, saeReplace)); }
            catch (ArgumentException e) when (e.Message.StartsWith("--grad", StringComparison.Ordinal)) { throw new CliException(e.Message); }
            foreach (var w in r.Warnings) CliInputs.Warn(w);
            Console.WriteLine(JsonSerializer.Serialize(new { @out = r.Out, loss = r.Loss, tensors = r.Tensors, batch = r.Batch, positions = r.Positions }));
            return 0;
        }
        finally
        {
            foreach (var (s, _) in saes) s.Dispose();
        }
    }

    /// <summary>Reads a JSON array of equal-length id arrays into an I64 [batch, pos] tensor (CliInputs.ReadIds).</summary>
    public static Tensor ReadIds(string path) => CliInputs.ReadIds(path);
}
