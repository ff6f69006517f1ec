// Detection and fuzzing metrics over a judge's verdicts, as delphi reports them: accuracy, balanced accuracy (mean of
// the true-positive and true-negative rates), precision, recall, F1, and — only where the judge gave probabilities
// (P(1)/(P(0)+P(1)) from logprobs) — ROC AUC. Undefined figures are left out, not set to 0.
namespace Interp.Agent.Scoring;

public sealed record ClassificationResult(int N, int Positives, int Negatives, int TruePositives, int FalsePositives,
    int TrueNegatives, int FalseNegatives, double Accuracy, double? BalancedAccuracy, double? Precision, double? Recall, double? F1, double? Auc)
{
    /// <summary>The defined figures by name, for Score.Metrics.</summary>
    public Dictionary<string, double> ToMetrics()
    {
        var m = new Dictionary<string, double>
        {
            ["n"] = N, ["positives"] = Positives, ["negatives"] = Negatives, ["accuracy"] = Accuracy,
            ["true_positives"] = TruePositives, ["false_positives"] = FalsePositives, ["true_negatives"] = TrueNegatives, ["false_negatives"] = FalseNegatives,
        };
        if (BalancedAccuracy is double b) m["balanced_accuracy"] = b;
        if (Precision is double p) m["precision"] = p;
        if (Recall is double r) m["recall"] = r;
        if (F1 is double f) m["f1"] = f;
        if (Auc is double a) m["auc"] = a;
        return m;
    }
}

public static class ClassificationMetrics
{
    /// <param name="truth">true for samples where the feature really fires / the marks are right</param>
    /// <param name="predicted">the judge's verdicts</param>
    /// <param name="probabilities">P(1) per sample, or null when the judge had no logprobs</param>
    public static ClassificationResult Compute(IReadOnlyList<bool> truth, IReadOnlyList<bool> predicted, IReadOnlyList<double>? probabilities = null)
    {
        if (truth.Count != predicted.Count || (probabilities is not null && probabilities.Count != truth.Count))
            throw new ArgumentException($"verdicts ({predicted.Count}) and probabilities ({probabilities?.Count}) must match the samples ({truth.Count}).");
        int tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < truth.Count; i++)
            (tp, fp, tn, fn) = (truth[i], predicted[i]) switch
            {
                (true, true) => (tp + 1, fp, tn, fn),
                (false, true) => (tp, fp + 1, tn, fn),
                (false, false) => (tp, fp, tn + 1, fn),
                _ => (tp, fp, tn, fn + 1),
            };
        int pos = tp + fn, neg = tn + fp, n = truth.Count;
        double? recall = pos > 0 ? (double)tp / pos : null;
        double? specificity = neg > 0 ? (double)tn / neg : null;
        double? precision = tp + fp > 0 ? (double)tp / (tp + fp) : null;
        double? f1 = pos == 0 ? null : tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
        double? balanced = recall is double r && specificity is double s ? (r + s) / 2 : null;
        double? auc = null;
        if (probabilities is not null)
            auc = Statistics.Auc(Enumerable.Range(0, n).Where(i => truth[i]).Select(i => probabilities[i]).ToList(),
                                 Enumerable.Range(0, n).Where(i => !truth[i]).Select(i => probabilities[i]).ToList());
        return new ClassificationResult(n, pos, neg, tp, fp, tn, fn, n == 0 ? 0 : (double)(tp + tn) / n, balanced, precision, recall, f1, auc);
    }

    /// <summary>P(1)/(P(0)+P(1)) from the log-probabilities of the "1" and "0" answers (either may be absent from the
    /// top list: its probability is then 0); null when neither is present.</summary>
    public static double? ProbabilityOfOne(double? logProbOne, double? logProbZero)
    {
        double p1 = logProbOne is double a ? Math.Exp(a) : 0, p0 = logProbZero is double b ? Math.Exp(b) : 0;
        return p0 + p1 > 0 ? p1 / (p0 + p1) : null;
    }
}
