// The report of `interp sae eval` as a JSON-ready tree: reconstruction, sparsity and downstream metrics of one SAE over
// some tokens, each metric's definition beside it (non-finite values as null). Library-side so the CLI only prints it
// and other faces (tools, the service) show the same numbers with the same definitions.
namespace Interp.Dictionaries;

public static class SaeEvalReport
{
    public static Dictionary<string, object?> Of(string model, string saeDir, Sae s, SaeEvalResult r)
    {
        var st = r.Stats;
        return new Dictionary<string, object?>
        {
            ["model"] = model, ["sae"] = saeDir, ["hook_name"] = s.Cfg.HookName, ["architecture"] = s.Cfg.Architecture,
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
    }

    /// <summary>JSON has no NaN: undefined metrics (e.g. a baseline that does not change the loss) are null.</summary>
    private static double? Num(double v) => double.IsFinite(v) ? v : null;

    public static readonly IReadOnlyDictionary<string, string> Definitions = new Dictionary<string, string>
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
