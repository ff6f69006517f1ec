// The metrics a circuit question is asked with, computed per prompt from logits [batch, pos, d_vocab] with autodiff
// ops (so attribution can differentiate them): logit difference between the answer and a wrong token, log-prob of
// the answer, and next-token loss over chosen positions. A set's metric is the mean of the per-prompt values.
using System.Text.Json.Serialization;
using Interp.Tensors;

namespace Interp.Circuits;

[JsonConverter(typeof(JsonStringEnumConverter<MetricKind>))]
public enum MetricKind
{
    /// <summary>logit[answer] - logit[wrong] at the answer position, in logits.</summary>
    [JsonStringEnumMemberName("logit_diff")] LogitDiff,
    /// <summary>log softmax(logits)[answer] at the answer position, in nats.</summary>
    [JsonStringEnumMemberName("logprob")] LogProb,
    /// <summary>mean over the chosen positions of -log p(target), in nats (lower is better).</summary>
    [JsonStringEnumMemberName("loss")] Loss,
}

public sealed record MetricSpec(MetricKind Kind)
{
    public static readonly MetricSpec LogitDiff = new(MetricKind.LogitDiff);
    public static readonly MetricSpec LogProb = new(MetricKind.LogProb);
    public static readonly MetricSpec Loss = new(MetricKind.Loss);

    public string Name => Kind switch { MetricKind.LogitDiff => "logit_diff", MetricKind.LogProb => "logprob", _ => "loss" };
    public string Unit => Kind == MetricKind.LogitDiff ? "logits" : "nats";

    public static MetricSpec Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "logit_diff" or "logit-diff" => LogitDiff,
        "logprob" or "log_prob" => LogProb,
        "loss" => Loss,
        _ => throw new ArgumentException($"unknown metric '{name}'; use logit_diff, logprob or loss."),
    };

    public override string ToString() => Name;
}

public static class Metric
{
    /// <summary>Per-prompt metric values [batch] of <paramref name="logits"/> [batch, pos, d_vocab] (graph-connected).</summary>
    public static Tensor PerPrompt(MetricSpec spec, Tensor logits, PromptBatch batch)
    {
        int b = batch.Count, t = logits.Shape[1], v = logits.Shape[2];
        if (logits.Shape[0] != b) throw new ArgumentException($"logits have batch {logits.Shape[0]} but the prompt batch has {b} pairs.");
        using var flat = logits.Reshape(b * t, v);                                            // [batch·pos, d_vocab]
        if (spec.Kind == MetricKind.Loss) return Loss(flat, batch, t);
        using var rowIdx = Tensor.FromArray(batch.Pairs.Select((p, i) => (long)(i * t + p.AnswerPos)).ToArray(), b);
        using var rows = TensorOps.IndexSelect(flat, 0, rowIdx);                              // [batch, d_vocab]
        if (spec.Kind == MetricKind.LogitDiff)
        {
            using var idx = Tensor.FromArray(batch.Pairs.SelectMany(p => new long[] { p.Answer, p.Wrong }).ToArray(), b, 2);
            using var both = TensorOps.Gather(rows, 1, idx);                                  // [batch, 2]
            using var a = both.Narrow(1, 0, 1);
            using var w = both.Narrow(1, 1, 1);
            using var d = a - w;                                                              // [batch, 1]
            return d.Reshape(b);
        }
        using var ls = TensorOps.LogSoftmax(rows, -1);                                        // [batch, d_vocab]
        using var ai = Tensor.FromArray(batch.Pairs.Select(p => (long)p.Answer).ToArray(), b, 1);
        using var lp = TensorOps.Gather(ls, 1, ai);                                           // [batch, 1]
        return lp.Reshape(b);
    }

    /// <summary>Per prompt, the mean over its LossTargets of -log p(target).</summary>
    private static Tensor Loss(Tensor flat, PromptBatch batch, int t)
    {
        var rows = new List<long>(); var targets = new List<long>(); var owner = new List<int>();
        for (int i = 0; i < batch.Count; i++)
            foreach (var (p, target) in batch.Pairs[i].LossTargets()) { rows.Add(i * t + p); targets.Add(target); owner.Add(i); }
        int n = rows.Count, b = batch.Count;
        using var rowIdx = Tensor.FromArray(rows.ToArray(), n);
        using var sel = TensorOps.IndexSelect(flat, 0, rowIdx);                               // [n, d_vocab]
        using var ls = TensorOps.LogSoftmax(sel, -1);
        using var ti = Tensor.FromArray(targets.ToArray(), n, 1);
        using var lp = TensorOps.Gather(ls, 1, ti);                                           // [n, 1]
        var counts = new int[b];
        foreach (var o in owner) counts[o]++;
        var w = new double[b * n];                                                             // [batch, n]: -1/count where row belongs to prompt
        for (int k = 0; k < n; k++) w[owner[k] * n + k] = -1.0 / counts[owner[k]];
        using var w64 = Tensor.FromArray(w, b, n);
        using var wt = w64.To(lp.DType);
        using var per = wt.MatMul(lp);                                                        // [batch, 1]
        return per.Reshape(b);
    }

    /// <summary>The scalar to differentiate for a batch that is part of a set of <paramref name="total"/> pairs:
    /// sum of the batch's per-prompt values / total, so gradients summed over batches are those of the set's mean.</summary>
    public static Tensor BatchShare(Tensor perPrompt, int total)
    {
        using var s = TensorOps.Sum(perPrompt);
        return s * (1.0 / total);
    }
}
