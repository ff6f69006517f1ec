// `interp run`: one forward (and optionally backward) pass of a checkpoint over token ids, writing
// logits, loss, cached hook activations and their gradients to a safetensors file. --sae DIR splices SAEs in,
// adding their hook points (<hook>.hook_sae_acts_post, ...) to what --hooks can save. Rows longer than the context are an
// error (or cut with --truncate); an undefined loss is written as JSON null with a warning.
using System.CommandLine;
using System.Text.Json;
using Interp.Dictionaries;
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
        var saes = new List<Sae>();
        var splices = new List<SaeSplice>();
        try
        {
            foreach (var dir in saeDirs ?? Array.Empty<string>())
            {
                var s = Sae.Load(dir);
                saes.Add(s);
                CliInputs.CheckSaeFits(model, s, dir);
                splices.Add(SaeSplice.Attach(model, s, includeError: !saeReplace));
            }
            return Run(model, tokens, hooks, grad, outPath, saeDirs ?? Array.Empty<string>(), saeReplace);
        }
        finally
        {
            foreach (var s in splices) s.Dispose();
            foreach (var s in saes) s.Dispose();
        }
    }

    private static int Run(HookedTransformer model, Tensor tokens, string? hooks, string? grad, string outPath, IReadOnlyList<string> saeDirs, bool saeReplace)
    {
        Func<string, bool>? filter = null;
        if (hooks is not null)
        {
            if (hooks == "all") filter = _ => true;
            else
            {
                var set = hooks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
                foreach (var h in set) model.ValidateHookName(h);
                filter = set.Contains;
            }
        }
        if (grad == "loss" && filter is null) throw new CliException("--grad loss writes grad.<hook> for the saved hooks; pass --hooks all or --hooks NAME,NAME too.");
        if (grad == "loss" && tokens.Shape[1] < 2) throw new CliException("--grad loss needs sequences of at least 2 tokens.");
        bool withGrad = grad == "loss";
        Tensor logits; ActivationCache? cache = null;
        if (filter is null) logits = RunNoGrad(model, tokens);
        else (logits, cache) = model.RunWithCache(tokens, filter, withGrad);
        Tensor loss = tokens.Shape[1] >= 2 ? NextTokenLoss.Compute(logits, tokens) : Tensor.ScalarOf(float.NaN);
        if (withGrad) loss.Backward();

        var outputs = new List<(string, Tensor)> { ("logits", logits.Detach()), ("loss", loss.Detach()) };
        if (cache is not null)
            foreach (var h in model.HookNames.Where(cache.Contains))
            {
                outputs.Add(("act." + h, cache[h]));
                if (withGrad && cache.Grad(h) is { } g) outputs.Add(("grad." + h, g));
            }
        var meta = new Dictionary<string, string>
        {
            ["model"] = model.Source, ["model_type"] = model.Config.ModelType, ["weight_processing"] = model.Processing.ToString(),
            ["loss_definition"] = "mean next-token cross-entropy over positions 0..T-2 of every row", ["backend"] = Backend.Current.Name,
        };
        if (saeDirs.Count > 0)
        {
            meta["saes"] = string.Join(";", saeDirs.Select(Path.GetFullPath));
            meta["sae_error_term"] = saeReplace ? "false" : "true";
        }
        SafetensorsWriter.Write(outPath, outputs, meta);
        double lossValue = loss.Item();
        if (!double.IsFinite(lossValue))
            CliInputs.Warn(tokens.Shape[1] < 2 ? "the loss is undefined for rows of one token; it is reported as null."
                : $"the loss is {lossValue} (non-finite weights or activations?); it is reported as null.");
        Console.WriteLine(JsonSerializer.Serialize(new { @out = outPath, loss = double.IsFinite(lossValue) ? lossValue : (double?)null, tensors = outputs.Count, batch = tokens.Shape[0], positions = tokens.Shape[1] }));
        cache?.Dispose();
        return 0;
    }

    private static Tensor RunNoGrad(HookedTransformer m, Tensor t) { using (Tensor.NoGrad()) return m.Run(t); }

    /// <summary>Reads a JSON array of equal-length id arrays into an I64 [batch, pos] tensor (CliInputs.ReadIds).</summary>
    public static Tensor ReadIds(string path) => CliInputs.ReadIds(path);
}
