// Count-based baselines a trained LM must beat: add-k smoothed unigram and bigram models fitted on train ids,
// scored as mean held-out cross-entropy per token in nats, over the held-out tokens 1..M-1 (each predicted
// from the one before it; the unigram ignores it). Not a language model for generation.
namespace Interp.Models.Training;

public static class NgramBaselines
{
    /// <summary>−mean log p(w) with p(w) = (c(w) + k) / (N + k·V).</summary>
    public static double UnigramLoss(ReadOnlySpan<int> train, ReadOnlySpan<int> heldout, int vocab, double k)
    {
        Check(train, heldout, vocab, k);
        var c = new long[vocab];
        foreach (int t in train) c[t]++;
        double denom = train.Length + k * vocab, sum = 0;
        for (int i = 1; i < heldout.Length; i++) sum -= Math.Log((c[heldout[i]] + k) / denom);
        return sum / (heldout.Length - 1);
    }

    /// <summary>−mean log p(w | u) with p(w | u) = (c(u, w) + k) / (c(u, ·) + k·V), u the previous token.</summary>
    public static double BigramLoss(ReadOnlySpan<int> train, ReadOnlySpan<int> heldout, int vocab, double k)
    {
        Check(train, heldout, vocab, k);
        var ctx = new long[vocab];
        var pairs = new Dictionary<long, long>();
        for (int i = 0; i + 1 < train.Length; i++)
        {
            ctx[train[i]]++;
            long key = (long)train[i] * vocab + train[i + 1];
            pairs[key] = pairs.GetValueOrDefault(key) + 1;
        }
        double sum = 0;
        for (int i = 1; i < heldout.Length; i++)
        {
            int u = heldout[i - 1], w = heldout[i];
            sum -= Math.Log((pairs.GetValueOrDefault((long)u * vocab + w) + k) / (ctx[u] + k * vocab));
        }
        return sum / (heldout.Length - 1);
    }

    private static void Check(ReadOnlySpan<int> train, ReadOnlySpan<int> heldout, int vocab, double k)
    {
        if (vocab < 1) throw new ArgumentException($"vocab must be >= 1; got {vocab}.");
        if (!(k > 0) || !double.IsFinite(k)) throw new ArgumentException($"add-k smoothing needs a finite k > 0; got {k}.");
        if (train.Length < 2) throw new ArgumentException($"the train ids hold {train.Length} token(s); a bigram baseline needs at least 2.");
        if (heldout.Length < 2) throw new ArgumentException($"the held-out ids hold {heldout.Length} token(s); at least 2 are needed (the first is only context).");
        InVocab(train, vocab, "train");
        InVocab(heldout, vocab, "held-out");
    }

    private static void InVocab(ReadOnlySpan<int> ids, int vocab, string what)
    {
        foreach (int t in ids)
            if ((uint)t >= (uint)vocab) throw new ArgumentException($"{what} id {t} is outside the vocabulary 0..{vocab - 1}.");
    }
}
