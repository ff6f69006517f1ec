// One forward (and optionally backward) pass of a model over token ids, saved to a safetensors file: logits, loss, the
// chosen hooks' activations and, with a gradient, d loss / d activation; SAEs spliced in for the run (their hook points
// become savable). The library method behind `interp run`: the command only parses and prints the returned record.
using Interp.Models;
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Dictionaries.Runs;

/// <param name="Hooks">null: no activations; "all"; or hook names (each validated, the nearest valid one suggested)</param>
/// <param name="GradLoss">also save grad.&lt;hook&gt; = d loss / d activation for the saved hooks</param>
/// <param name="SaeReplace">splice SAEs without their error term (the model runs on reconstructions)</param>
public sealed record ModelRunRequest(string OutPath, IReadOnlyList<string>? Hooks = null, bool GradLoss = false, IReadOnlyList<(Sae Sae, string Dir)>? Saes = null,
    bool SaeReplace = false);

/// <param name="Loss">mean next-token cross-entropy over positions 0..T-2 of every row, nats; null when undefined
/// (rows of one token) or non-finite (see Warnings)</param>
public sealed record ModelRunResult(string Out, double? Loss, int Tensors, int Batch, int Positions, IReadOnlyList<string> Warnings);

public static class ModelRun
{
    public const string LossDefinition = "mean next-token cross-entropy over positions 0..T-2 of every row";

    public static ModelRunResult Run(HookedTransformer model, Tensor tokens, ModelRunRequest request)
    {
        var splices = new List<SaeSplice>();
        try
        {
            foreach (var (sae, _) in request.Saes ?? []) splices.Add(SaeSplice.Attach(model, sae, includeError: !request.SaeReplace));
            return RunSpliced(model, tokens, request);
        }
        finally { foreach (var s in splices) s.Dispose(); }
    }

    private static ModelRunResult RunSpliced(HookedTransformer model, Tensor tokens, ModelRunRequest request)
    {
        Func<string, bool>? filter = null;
        if (request.Hooks is { } hooks)
        {
            if (hooks.Count == 1 && hooks[0] == "all") filter = _ => true;
            else
            {
                var set = hooks.ToHashSet(StringComparer.Ordinal);
                foreach (var h in set) model.ValidateHookName(h);
                filter = set.Contains;
            }
        }
        if (request.GradLoss && filter is null) throw new ArgumentException("--grad loss writes grad.<hook> for the saved hooks; pass --hooks all or --hooks NAME,NAME too.");
        if (request.GradLoss && tokens.Shape[1] < 2) throw new ArgumentException("--grad loss needs sequences of at least 2 tokens.");
        Tensor logits; ActivationCache? cache = null;
        if (filter is null) { using (Tensor.NoGrad()) logits = model.Run(tokens); }
        else (logits, cache) = model.RunWithCache(tokens, filter, request.GradLoss);
        using var cacheScope = cache;
        Tensor loss = tokens.Shape[1] >= 2 ? NextTokenLoss.Compute(logits, tokens) : Tensor.ScalarOf(float.NaN);
        if (request.GradLoss) loss.Backward();

        var outputs = new List<(string, Tensor)> { ("logits", logits.Detach()), ("loss", loss.Detach()) };
        if (cache is not null)
            foreach (var h in model.HookNames.Where(cache.Contains))
            {
                outputs.Add(("act." + h, cache[h]));
                if (request.GradLoss && cache.Grad(h) is { } g) outputs.Add(("grad." + h, g));
            }
        var meta = new Dictionary<string, string>
        {
            ["model"] = model.Source, ["model_type"] = model.Config.ModelType, ["weight_processing"] = model.Processing.ToString(),
            ["loss_definition"] = LossDefinition, ["backend"] = Backend.Current.Name,
        };
        if (request.Saes is { Count: > 0 } saes)
        {
            meta["saes"] = string.Join(";", saes.Select(s => Path.GetFullPath(s.Dir)));
            meta["sae_error_term"] = request.SaeReplace ? "false" : "true";
        }
        SafetensorsWriter.Write(request.OutPath, outputs, meta);
        double lossValue = loss.Item();
        var warnings = new List<string>();
        if (!double.IsFinite(lossValue))
            warnings.Add(tokens.Shape[1] < 2 ? "the loss is undefined for rows of one token; it is reported as null."
                : $"the loss is {lossValue} (non-finite weights or activations?); it is reported as null.");
        return new ModelRunResult(request.OutPath, double.IsFinite(lossValue) ? lossValue : null, outputs.Count, tokens.Shape[0], tokens.Shape[1], warnings);
    }
}
