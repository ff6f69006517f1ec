// The induction task: a span of 3-6 distinct content words, none of which occurs elsewhere in its document, written
// once ("SPAN .") and repeated later ("SPAN ."). In the repeat every token is_repeat; tokens 0..L-2 are
// induction_predictable (their next token is fixed by the first occurrence). Not document placement (ToyWorldGenerator).
using Interp.Tensors;

namespace Interp.Evals.ToyWorld;

public static class InductionTask
{
    public const int MinSpan = 3, MaxSpan = 6;

    /// <summary>The first occurrence and the repeat, each followed by ".".</summary>
    public static (Segment First, Segment Repeat) Segments(IReadOnlyList<string> span)
    {
        if (span.Count is < MinSpan or > MaxSpan)
            throw new ArgumentException($"an induction span has {MinSpan}-{MaxSpan} tokens; got {span.Count}.");
        if (span.Distinct(StringComparer.Ordinal).Count() != span.Count)
            throw new ArgumentException($"induction span tokens must be distinct: {string.Join(' ', span)}.");
        foreach (var w in span)
            if (!Lexicon.InductionPool.Contains(w))
                throw new ArgumentException($"'{w}' cannot fill an induction span (only non-sequence category words can).");
        var first = new Segment(Templates.InductionId);
        var repeat = new Segment(Templates.InductionId);
        for (int j = 0; j < span.Count; j++)
        {
            first.Add(span[j]);
            repeat.Add(span[j], isRepeat: true, predictable: j < span.Count - 1);
        }
        first.Add(Lexicon.Period);
        repeat.Add(Lexicon.Period);
        return (first, repeat);
    }

    /// <summary>length distinct words from Lexicon.InductionPool, none in <paramref name="exclude"/>.</summary>
    public static string[] SampleSpan(Rng rng, int length, IReadOnlySet<string> exclude)
    {
        if (length is < MinSpan or > MaxSpan)
            throw new ArgumentOutOfRangeException(nameof(length), $"an induction span has {MinSpan}-{MaxSpan} tokens; got {length}.");
        var used = new HashSet<string>(exclude, StringComparer.Ordinal);
        var span = new string[length];
        for (int i = 0; i < length; i++) span[i] = Templates.PickUnused(Lexicon.InductionPool, rng, used);
        return span;
    }
}
