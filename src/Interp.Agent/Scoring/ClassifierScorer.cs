// Detection and fuzzing scoring (delphi's classifier scorers). Detection shows the score set's windows as plain text and
// asks whether the feature is active in each; fuzzing marks tokens with << >> — the truly active ones (≥ 0.3 × the
// window's max) in activating windows, as many random tokens as activating windows average in non-activating ones — and
// asks whether the marks are right. Samples go to the judge in seeded order and batches, all batches at once; any failed
// batch fails the score (no partial numbers; the other batches' answers stay cached for the retry). Value: balanced accuracy; F1, precision, recall, and AUC where the judge gave P(1).
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.Examples;
using Interp.Agent.Prompts;
using Interp.Index.Records;
using Interp.Tensors;

namespace Interp.Agent.Scoring;

public enum JudgeTask { Detection, Fuzzing }

/// <param name="Probabilities">P(1) per sample from logprobs, or null when the judge had none</param>
public sealed record JudgeVerdicts(IReadOnlyList<bool> Predictions, IReadOnlyList<double>? Probabilities);

/// <summary>Answers a batch of detection or fuzzing samples. The LLM judge (second pass) renders LabelingPrompts.Detection
/// / Fuzzing, sends them, and parses the 1/0 list (and the logprobs of "1" and "0"); the lexical judge reads the text.</summary>
public interface IClassifierJudge
{
    string Capability { get; }
    string? LlmModel { get; }
    string? PromptVersion(JudgeTask task);
    Task<Outcome<JudgeVerdicts>> JudgeAsync(JudgeTask task, string explanation, IReadOnlyList<JudgeSample> batch, CancellationToken ct = default);
}

public sealed class ClassifierScorer(JudgeTask task, IClassifierJudge judge, int batchSize = 5, double fraction = LabelingPrompts.DefaultHighlightFraction,
    int resamples = Statistics.DefaultResamples) : IScorer
{
    public string Method => task == JudgeTask.Detection ? ScoreMethods.Detection : ScoreMethods.Fuzzing;

    public async Task<Outcome<Score>> ScoreAsync(ScoreRequest request, CancellationToken ct = default)
    {
        var ex = request.Examples;
        var truth = ex.Select(e => e.IsActivating).ToArray();
        if (!truth.Contains(true) || !truth.Contains(false))
            return Outcome<Score>.Fail(FailureKinds.NoNegatives,
                $"the score set needs activating and non-activating windows; it has {truth.Count(t => t)} and {truth.Count(t => !t)}");
        var rng = new Rng(ExampleSelector.Mix(request.Seed, (ulong)request.Feature, task == JudgeTask.Detection ? 0xDE7u : 0xF022u));
        var samples = Samples(ex, rng);
        var order = rng.PermutationArray(ex.Count);
        var predicted = new bool[ex.Count];
        double[]? probs = new double[ex.Count];
        // the batches go to the judge at the same time (the endpoint's concurrency limit queues them); read in batch order
        var batches = Enumerable.Range(0, (order.Length + batchSize - 1) / batchSize).Select(k => order.Skip(k * batchSize).Take(batchSize).ToArray()).ToList();
        var verdicts = await Task.WhenAll(batches.Select(idx => judge.JudgeAsync(task, request.Explanation, idx.Select(i => samples[i]).ToList(), ct)));
        var usage = verdicts.Aggregate(StageUsage.None, (u, v) => u.Add(v.Usage));
        for (int k = 0; k < batches.Count; k++)
        {
            var idx = batches[k];
            var verdict = verdicts[k];
            if (!verdict.Succeeded) return Outcome<Score>.Fail(verdict.Error! with { Reason = $"batch {k + 1}: {verdict.Error!.Reason}" }, usage);
            var v = verdict.Value;
            if (v.Predictions.Count != idx.Length || (v.Probabilities is not null && v.Probabilities.Count != idx.Length))
                return Outcome<Score>.Fail(FailureKinds.MalformedOutput, $"batch {k + 1}: {v.Predictions.Count} verdicts for {idx.Length} samples", usage: usage);
            for (int j = 0; j < idx.Length; j++)
            {
                predicted[idx[j]] = v.Predictions[j];
                if (v.Probabilities is null) probs = null;
                else if (probs is not null) probs[idx[j]] = v.Probabilities[j];
            }
        }
        var result = ClassificationMetrics.Compute(truth, predicted, probs);
        int[] pos = Enumerable.Range(0, ex.Count).Where(i => truth[i]).ToArray(), neg = Enumerable.Range(0, ex.Count).Where(i => !truth[i]).ToArray();
        var ci = Statistics.Bootstrap(r =>
        {
            var pick = Statistics.Resample(r, pos.Length).Select(i => pos[i]).Concat(Statistics.Resample(r, neg.Length).Select(i => neg[i])).ToArray();
            return ClassificationMetrics.Compute(pick.Select(i => truth[i]).ToList(), pick.Select(i => predicted[i]).ToList()).BalancedAccuracy;
        }, request.Seed ^ 0xB007u, resamples);
        var metrics = result.ToMetrics();
        metrics["ci_valid_resamples"] = ci.Valid;
        metrics["batch_size"] = batchSize;
        return Outcome<Score>.Ok(new Score(Method, judge.Capability, result.BalancedAccuracy!.Value, ci.Low, ci.High, request.ExplanationIndex,
            metrics, ex.Select(e => e.ToRef()).ToList(), judge.LlmModel, judge.PromptVersion(task)), usage);
    }

    /// <summary>The text each window is shown as.</summary>
    internal List<JudgeSample> Samples(IReadOnlyList<LabelingExample> ex, Rng rng)
    {
        if (task == JudgeTask.Detection) return ex.Select(e => new JudgeSample(ActivationFormats.OneLine(e.Text))).ToList();
        var active = ex.Where(e => e.IsActivating).ToList();
        int wrongMarks = (int)Math.Ceiling(active.Average(e => (double)e.Activations.Count(a => a > 0)));
        return ex.Select(e =>
        {
            var marked = new bool[e.Tokens.Length];
            if (e.IsActivating)
            {
                double threshold = fraction * e.Max;
                for (int i = 0; i < marked.Length; i++) marked[i] = e.Activations[i] > 0 && e.Activations[i] >= threshold;
            }
            else
            {
                var perm = rng.PermutationArray(marked.Length);
                foreach (var i in perm.Take(Math.Min(wrongMarks, marked.Length))) marked[i] = true;
            }
            return new JudgeSample(ActivationFormats.Highlight(e.Tokens, marked));
        }).ToList();
    }
}
