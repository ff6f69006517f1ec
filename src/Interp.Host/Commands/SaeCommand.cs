// `interp sae eval --model DIR --sae DIR --input-ids ids.json`: prints one JSON object with the SAE's reconstruction,
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
        var st = r.Stats;
        var json = new Dictionary<string, object?>
        {
            ["model"] = m.Source, ["sae"] = Path.GetFullPath(saeDir), ["hook_name"] = s.Cfg.HookName, ["architecture"] = s.Cfg.Architecture,
            ["d_in"] = s.DIn, ["d_sae"] = s.DSae, ["rows"] = r.Rows, ["positions"] = r.Positions, ["tokens"] = st.Tokens,
            ["reconstruction"] = new Dictionary<string, object?>
            {
                ["mse"] = Num(st.Mse), ["mse_sum_over_d_in"] = Num(st.MseSumOverDIn), ["explained_variance"] = Num(st.ExplainedVariance),
                ["cosine_similarity"] = Num(st.CosineSimilarity), ["norm_ratio"] = Num(st.NormRatio),
            },
            ["sparsity"] = new Dictionary<string, object?>
            {
                ["l0"] = Num(st.L0), ["l1"] = Num(st.L1), ["dead_fraction"] = Num(st.DeadFraction), ["dense_fraction"] = Num(st.DenseFraction),
                ["dead_threshold"] = st.DeadThreshold, ["dense_threshold"] = st.DenseThreshold,
            },
            ["downstream"] = new Dictionary<string, object?>
            {
                ["ce_loss_clean"] = Num(r.CeClean), ["ce_loss_sae"] = Num(r.CeSae),
                ["ce_loss_zero_ablation"] = Num(r.CeZeroAblation), ["ce_loss_mean_ablation"] = Num(r.CeMeanAblation),
                ["ce_loss_recovered_zero"] = Num(r.CeLossRecoveredZero), ["ce_loss_recovered_mean"] = Num(r.CeLossRecoveredMean),
                ["kl_div_sae"] = Num(r.KlSae), ["kl_div_zero_ablation"] = Num(r.KlZeroAblation), ["kl_div_mean_ablation"] = Num(r.KlMeanAblation),
                ["kl_score_zero"] = Num(r.KlScoreZero), ["kl_score_mean"] = Num(r.KlScoreMean),
            },
            ["definitions"] = Definitions,
        };
        Console.WriteLine(JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    /// <summary>JSON has no NaN: undefined metrics (e.g. a baseline that does not change the loss) are null.</summary>
    private static double? Num(double v) => double.IsFinite(v) ? v : null;

    private static readonly Dictionary<string, string> Definitions = new()
    {
        ["mse"] = "mean over tokens and d_in of (x - x_hat)^2, x the SAE's input at hook_name",
        ["mse_sum_over_d_in"] = "mean over tokens of ||x - x_hat||^2 (squared error summed over d_in)",
        ["explained_variance"] = "1 - sum ||x - x_hat||^2 / sum ||x - mean_x||^2, mean_x the mean input over all tokens",
        ["cosine_similarity"] = "mean over tokens of cos(x, x_hat)",
        ["norm_ratio"] = "mean over tokens of ||x_hat|| / ||x||",
        ["l0"] = "mean over tokens of the number of nonzero features",
        ["l1"] = "mean over tokens of the sum of |feature activation|",
        ["dead_fraction"] = "fraction of features whose firing rate over these tokens is <= dead_threshold",
        ["dense_fraction"] = "fraction of features whose firing rate over these tokens is > dense_threshold",
        ["ce_loss"] = "mean next-token cross-entropy over positions 0..T-2 of every row; _sae: hook replaced by the SAE reconstruction (no error term); _zero/_mean_ablation: the hook (the head the SAE reads, if hook_head_index) set to 0 / to its mean over all tokens",
        ["ce_loss_recovered"] = "(ce_ablation - ce_sae) / (ce_ablation - ce_clean); null when the ablation does not change the loss",
        ["kl_div"] = "mean over all positions of KL(clean || other) of the next-token distributions, in nats",
        ["kl_score"] = "(kl_ablation - kl_sae) / kl_ablation",
    };
}
