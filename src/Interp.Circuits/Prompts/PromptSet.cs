// A named set of prompt pairs with the metric averaged over them, and its split into padded batches. Prompts of
// different lengths are right-padded (the model is causal, so padding never changes a real position's value).
using Interp.Tensors;

namespace Interp.Circuits;

public sealed record PromptSet(string Name, MetricSpec Metric, IReadOnlyList<PromptPair> Pairs)
{
    /// <summary>Validates every pair against a model's vocabulary and context (and that the metric has what it needs).</summary>
    public void Validate(int vocab, int nCtx)
    {
        if (Pairs.Count == 0) throw new ArgumentException($"prompt set '{Name}' has no pairs; give at least one clean/corrupted pair.");
        for (int i = 0; i < Pairs.Count; i++)
        {
            Pairs[i].Validate(vocab, nCtx, $"pair {i} of '{Name}'");
            if (Metric.Kind == MetricKind.LogitDiff && Pairs[i].Wrong < 0)
                throw new ArgumentException($"pair {i} of '{Name}': the logit_diff metric needs a wrong answer to compare against; add \"wrong\".");
        }
    }

    public bool EqualLengths => Pairs.All(p => p.Length == Pairs[0].Length);
    public int MaxLength => Pairs.Max(p => p.Length);

    /// <summary>Consecutive batches of at most <paramref name="size"/> pairs.</summary>
    public IEnumerable<PromptBatch> Batches(int size, int padId)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), "batch size must be at least 1.");
        for (int s = 0; s < Pairs.Count; s += size)
            yield return new PromptBatch(Pairs.Skip(s).Take(size).ToArray(), s, padId);
    }
}

/// <summary>Pairs <c>Start..Start+Count</c> of a set as token tensors [batch, pos] (I64, right-padded with <c>padId</c>).</summary>
public sealed class PromptBatch : IDisposable
{
    public IReadOnlyList<PromptPair> Pairs { get; }
    public int Start { get; }
    public int Count => Pairs.Count;
    public int Length { get; }
    public int[] Lengths { get; }
    public Tensor Clean { get; }       // [batch, pos] I64
    public Tensor Corrupted { get; }   // [batch, pos] I64

    public PromptBatch(IReadOnlyList<PromptPair> pairs, int start, int padId)
    {
        Pairs = pairs; Start = start;
        Lengths = pairs.Select(p => p.Length).ToArray();
        Length = Lengths.Max();
        Clean = Pack(pairs.Select(p => p.Clean), padId);
        Corrupted = Pack(pairs.Select(p => p.Corrupted), padId);
    }

    private Tensor Pack(IEnumerable<int[]> rows, int pad)
    {
        var data = new long[Count * Length];
        Array.Fill(data, pad);
        int b = 0;
        foreach (var r in rows) { for (int i = 0; i < r.Length; i++) data[b * Length + i] = r[i]; b++; }
        return Tensor.FromArray(data, Count, Length);
    }

    /// <summary>A position resolved for row <paramref name="b"/>: negative counts from that prompt's own end; null when
    /// outside the prompt.</summary>
    public int? Resolve(int b, int position)
    {
        int p = position < 0 ? Lengths[b] + position : position;
        return p >= 0 && p < Lengths[b] ? p : null;
    }

    public void Dispose() { Clean.Dispose(); Corrupted.Dispose(); }
}
